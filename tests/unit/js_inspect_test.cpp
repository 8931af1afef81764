// js_inspect against text node 20's util.inspect(value, false, null, false) printed for the same
// JSON (keys sorted, as nlohmann::json keeps them): layout, quoting, grouping, numbers.
#include "cli/render/js_inspect.hpp"

#include <doctest/doctest.h>

namespace {

struct Case {
    const char* json;
    const char* expected;
};

const Case k_cases[] = {
    {R"js([{"monit":{"cpu":0.5,"memory":52428800},"name":"web","pid":4242,"pm2_env":{"args":["--logger.level=info","-x"],"autorestart":true,"axm_options":{},"created_at":1764660000123,"deep":{"a":{"b":{"c":{"d":1}}}},"env":{"GREETING":"hi","PATH":"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:/usr/local/games:/snap/bin:/opt/some/long/tool/bin","WITH-DASH":"a b"},"exec_mode":"cluster_mode","instances":2,"node_args":[],"pm_out_log_path":"/home/u/.rein/logs/web-out-0.log","restart_time":0,"status":"online","unstable_restarts":0,"versioning":null,"watch":false},"pm_id":0},{"name":"api","pid":null,"pm2_env":{"restart_time":3,"status":"stopped","unstable_restarts":1},"pm_id":1}])js",
     R"js([
  {
    monit: { cpu: 0.5, memory: 52428800 },
    name: 'web',
    pid: 4242,
    pm2_env: {
      args: [ '--logger.level=info', '-x' ],
      autorestart: true,
      axm_options: {},
      created_at: 1764660000123,
      deep: {
        a: { b: { c: { d: 1 } } }
      },
      env: {
        GREETING: 'hi',
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:/usr/local/games:/snap/bin:/opt/some/long/tool/bin',
        'WITH-DASH': 'a b'
      },
      exec_mode: 'cluster_mode',
      instances: 2,
      node_args: [],
      pm_out_log_path: '/home/u/.rein/logs/web-out-0.log',
      restart_time: 0,
      status: 'online',
      unstable_restarts: 0,
      versioning: null,
      watch: false
    },
    pm_id: 0
  },
  {
    name: 'api',
    pid: null,
    pm2_env: { restart_time: 3, status: 'stopped', unstable_restarts: 1 },
    pm_id: 1
  }
])js"},
    {R"js({"all":"a'b\"c`d","both":"say \"it's\"","bs":"C:\\dir","ctl":"tab\there\u0001\u007f\u0085 é ✓ 😀","quotes":"it's"})js",
     R"js({
  all: 'a\'b"c`d',
  both: `say "it's"`,
  bs: 'C:\\dir',
  ctl: 'tab\there\x01\x7F\x85 é ✓ 😀',
  quotes: "it's"
})js"},
    {R"js({"text":"first line of a rather long text that goes on\nsecond line, also long enough to pass the limit\nthird line of it, still going and going and going\n"})js",
     R"js({
  text: 'first line of a rather long text that goes on\n' +
    'second line, also long enough to pass the limit\n' +
    'third line of it, still going and going and going\n'
})js"},
    {R"js({"mixed":["a very long entry that stops the grouping of this array at all","b","c","d","e","f","g"],"nums":[1,2,3,4,5,6,7,8,9,10,100,1000,10000,22,33,44,55,66,77,88,99,1234567],"words":["alpha","beta","gamma","delta","epsilon","zeta","eta","theta","iota","kappa"]})js",
     R"js({
  mixed: [
    'a very long entry that stops the grouping of this array at all',
    'b',
    'c',
    'd',
    'e',
    'f',
    'g'
  ],
  nums: [
        1,       2,   3,    4,
        5,       6,   7,    8,
        9,      10, 100, 1000,
    10000,      22,  33,   44,
       55,      66,  77,   88,
       99, 1234567
  ],
  words: [
    'alpha',   'beta',
    'gamma',   'delta',
    'epsilon', 'zeta',
    'eta',     'theta',
    'iota',    'kappa'
  ]
})js"},
    {R"js([0,3,6,9,12,15,18,21,24,27,30,33,36,39,42,45,48,51,54,57,60,63,66,69,72,75,78,81,84,87,90,93,96,99,102,105,108,111,114,117,120,123,126,129,132,135,138,141,144,147,150,153,156,159,162,165,168,171,174,177,180,183,186,189,192,195,198,201,204,207,210,213,216,219,222,225,228,231,234,237,240,243,246,249,252,255,258,261,264,267,270,273,276,279,282,285,288,291,294,297,300,303,306,309,312,315,318,321,324,327,330,333,336,339,342,345,348,351,354,357])js",
     R"js([
    0,   3,   6,   9,  12,  15,  18,  21,  24,  27,  30,  33,
   36,  39,  42,  45,  48,  51,  54,  57,  60,  63,  66,  69,
   72,  75,  78,  81,  84,  87,  90,  93,  96,  99, 102, 105,
  108, 111, 114, 117, 120, 123, 126, 129, 132, 135, 138, 141,
  144, 147, 150, 153, 156, 159, 162, 165, 168, 171, 174, 177,
  180, 183, 186, 189, 192, 195, 198, 201, 204, 207, 210, 213,
  216, 219, 222, 225, 228, 231, 234, 237, 240, 243, 246, 249,
  252, 255, 258, 261, 264, 267, 270, 273, 276, 279, 282, 285,
  288, 291, 294, 297,
  ... 20 more items
])js"},
    {R"js({"e":[],"f":false,"floats":[0.1,1.5,-2.25,1e+21,1.5e-7,123456.789,0.000001,1e+300],"n":null,"neg":-7,"o":{},"t":true})js",
     R"js({
  e: [],
  f: false,
  floats: [
         0.1,        1.5,
       -2.25,      1e+21,
      1.5e-7, 123456.789,
    0.000001,     1e+300
  ],
  n: null,
  neg: -7,
  o: {},
  t: true
})js"},
    {R"js({"$dollar":4,"0key":1,"_ok":3,"a b":2,"é":5})js",
     R"js({ '$dollar': 4, '0key': 1, _ok: 3, 'a b': 2, 'é': 5 })js"},
};

} // namespace

TEST_CASE("js_inspect prints JSON as node's util.inspect does") {
    for (const auto& c : k_cases) {
        CAPTURE(c.json);
        CHECK(rein::cli::render::js_inspect(nlohmann::json::parse(c.json)) ==
              std::string(c.expected));
    }
}
