-- Comment POSTs for wrk. Each request has its own body text, e-mail address and client
-- address (X-Forwarded-For; the app trusts one proxy), so none is a duplicate or a flood. The
-- addresses are IPv6, in a block of their own for each wrk run (BENCH_NET): the form's signed
-- timestamp is shared by every run, and the app takes one comment per form from an address.
-- The harness passes the form's signed timestamp, the page's origin and a CSRF token in the
-- environment; the same token goes in the cookie and the form, as a browser would send them.

local token = os.getenv("BENCH_TOKEN")
local origin = os.getenv("BENCH_ORIGIN")
local csrf = os.getenv("BENCH_CSRF")
local run = os.getenv("BENCH_RUN")
local domain = os.getenv("BENCH_DOMAIN")
local net = tonumber(os.getenv("BENCH_NET") or "0")

local phrases = {
  "the ferry timetable finally makes sense",
  "our street needs that shade more than most",
  "please ask how the budget will be checked",
  "the pool opening hours still clash with school",
  "good to see the library keeping late hours",
  "who maintains the new benches after a year",
  "the tram stop could use a water fountain",
  "fewer meetings, more trees, simple as that",
}

local threads = {}
local sent = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

local function encode(text)
  return (text:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", c:byte()) end))
end

function request()
  sent = sent + 1
  local id = thread_number .. "-" .. sent
  local fields = {
    "name=" .. encode("Load Reader " .. id),
    "email=" .. encode("reader-" .. run .. "-" .. id .. "@" .. domain),
    "url=",
    "body=" .. encode("Note " .. run .. "-" .. id .. ": " .. phrases[sent % #phrases + 1] .. "."),
    "timestamp=" .. encode(token),
    "parent=",
    "homepage=",
    "csrfmiddlewaretoken=" .. csrf,
  }
  local headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Origin"] = origin,
    ["Sec-Fetch-Site"] = "same-origin",
    ["Cookie"] = "csrftoken=" .. csrf,
    ["X-Forwarded-For"] = string.format("fd00:%x:%x::%x", net, thread_number, sent),
  }
  return wrk.format("POST", nil, headers, table.concat(fields, "&"))
end
