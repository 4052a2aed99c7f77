-- Drives Neovim's own LSP client against torchseedlint-server, headless; run by
-- neovim_smoke.sh, which loads the README's Neovim snippet as init.lua.
-- Loaded twice: with --cmd (before init.lua) to start the clock and hook the
-- events, then with -c, once the file is open, to wait, query and print.
-- Output lines: "diag LINE:COL CODE message" (1-based, as the CLI prints),
-- "action TITLE", "hover ...", "fixed <path>", "time ...".

local uv = vim.uv
local M = rawget(_G, "TSL_SMOKE")
if M == nil then
  M = { t0 = uv.hrtime(), attached = nil, published = nil }
  _G.TSL_SMOKE = M
  vim.api.nvim_create_autocmd("LspAttach", {
    callback = function(ev)
      local client = vim.lsp.get_client_by_id(ev.data.client_id)
      if client and client.name == "torchseedlint" then
        M.attached = M.attached or uv.hrtime()
      end
    end,
  })
  vim.api.nvim_create_autocmd("DiagnosticChanged", {
    callback = function()
      M.published = M.published or uv.hrtime()
    end,
  })
  return
end

local function out(line)
  io.stdout:write(line, "\n")
end

local function ms(from, to)
  return string.format("%.0f ms", (to - from) / 1e6)
end

local buf = vim.api.nvim_get_current_buf()
if not vim.wait(30000, function() return M.published ~= nil end, 20) then
  out("error: no diagnostics within 30 s; clients: "
    .. vim.inspect(vim.tbl_map(function(c) return c.name end, vim.lsp.get_clients())))
  vim.cmd("cquit 1")
end
local client = vim.lsp.get_clients({ bufnr = buf, name = "torchseedlint" })[1]
out("time attach " .. ms(M.t0, M.attached) .. " after start, diagnostics "
  .. ms(M.attached, M.published) .. " after attach")
out("root " .. tostring(client.root_dir))

local diags = vim.diagnostic.get(buf)
table.sort(diags, function(a, b) return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col) end)
for _, d in ipairs(diags) do
  out(string.format("diag %d:%d %s %s", d.lnum + 1, d.col + 1, d.code, d.message))
end

-- Code actions and hover at each finding, as the cursor there would ask.
local enc = client.offset_encoding
for _, d in ipairs(diags) do
  vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
  local params = vim.lsp.util.make_range_params(0, enc)
  params.context = { diagnostics = { d.user_data.lsp } }
  local reply = client:request_sync("textDocument/codeAction", params, 10000, buf)
  for _, action in ipairs((reply and reply.result) or {}) do
    out(string.format("action %d: %s [%s]", d.lnum + 1, action.title, action.kind))
  end
  local hover = client:request_sync("textDocument/hover", vim.lsp.util.make_position_params(0, enc), 10000, buf)
  local text = hover and hover.result and hover.result.contents.value or ""
  out(string.format("hover %d: %s", d.lnum + 1, (text:match("[^\n]+") or "(none)")))
end

-- Apply "Fix all" to the buffer and write it where neovim_smoke.sh compares it with --fix.
local fixed_path = os.getenv("TSL_SMOKE_FIXED")
if fixed_path and #diags > 0 then
  local params = vim.lsp.util.make_range_params(0, enc)
  params.context = { diagnostics = {}, only = { "source.fixAll.torchseedlint" } }
  local reply = client:request_sync("textDocument/codeAction", params, 10000, buf)
  local action = reply and reply.result and reply.result[1]
  if action then
    vim.lsp.util.apply_workspace_edit(action.edit, enc)
    vim.fn.writefile(vim.api.nvim_buf_get_lines(buf, 0, -1, false), fixed_path)
    out("fixed " .. fixed_path)
  end
end
vim.cmd("qall!")
