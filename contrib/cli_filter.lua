--[[
  asba's sbatch-time hint: a SLURM cli_filter/lua script (SLURM 21.08 and later; tested on 22.05).

  On every `sbatch` (not srun or salloc) it runs `asba check SCRIPT [-p PARTITION]` under a hard time budget
  and copies what asba prints (at most two lines) to sbatch's stderr, so `sbatch --parsable` output stays the
  job id alone. It never rejects or changes a job: every function returns slurm.SUCCESS, whatever happens.
  asba missing, slow (past the budget it is killed with everything it started) or failing: silence.

  Environment (the user's, as sbatch sees it):
    ASBA_HINT=0             opt out: no hint, asba is not even started
    ASBA_HINT_BUDGET_MS=N   the time budget in milliseconds (default 300)
    ASBA_CHECK=PATH         the asba command to run as `PATH check ...` (default: asba-check on PATH, which
                            starts faster, else `asba check`)

  Install notes: contrib/README.md.
--]]

local DEFAULT_BUDGET_MS = 300

local function quote(word)
  return "'" .. string.gsub(word, "'", "'\\''") .. "'"
end

local function is_sbatch()
  local comm = io.open("/proc/self/comm", "r")
  if comm == nil then
    return false
  end
  local name = comm:read("*l")
  comm:close()
  return name == "sbatch"
end

local function budget_seconds()
  local ms = tonumber(os.getenv("ASBA_HINT_BUDGET_MS") or "") or DEFAULT_BUDGET_MS
  if ms <= 0 or ms > 5000 then
    ms = DEFAULT_BUDGET_MS
  end
  return string.format("%.3f", ms / 1000)
end

local function hint(options)
  if os.getenv("ASBA_HINT") == "0" or not is_sbatch() then
    return
  end
  local argv = options["argv"]
  local script = argv and argv[1]
  if script == nil or script == "" then
    return -- a script from stdin or --wrap: nothing for asba to read
  end
  -- asba-check (installed beside asba) starts faster than `asba check`: pip's asba wrapper imports re first
  local asba = os.getenv("ASBA_CHECK")
  local run = asba and (quote(asba) .. " check") or
    "sh -c 'if command -v asba-check >/dev/null; then exec asba-check \"$@\"; fi; exec asba check \"$@\"' asba"
  local command = "timeout -s KILL " .. budget_seconds() .. " " .. run .. " " .. quote(script)
  local partition = options["partition"]
  if partition ~= nil and partition ~= "" then
    command = command .. " -p " .. quote(partition)
  end
  local pipe = io.popen(command .. " </dev/null 2>/dev/null", "r")
  if pipe == nil then
    return
  end
  local out = pipe:read("*a") or ""
  pipe:close()
  local shown = 0
  for line in string.gmatch(out, "[^\n]+") do
    if shown < 2 and string.sub(line, 1, 5) == "asba:" then
      io.stderr:write(line .. "\n")
      shown = shown + 1
    end
  end
end

function slurm_cli_setup_defaults(options, early_pass)
  return slurm.SUCCESS
end

function slurm_cli_pre_submit(options, pack_offset)
  if pack_offset == nil or pack_offset == 0 then
    pcall(hint, options)
  end
  return slurm.SUCCESS
end

function slurm_cli_post_submit(offset, job_id, step_id)
  return slurm.SUCCESS
end
