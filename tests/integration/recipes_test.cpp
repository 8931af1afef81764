// docs/cluster.md's "How servers take the socket": each recipe, run under `listen` with two
// instances against the real server when it is installed, must serve from both instances.
#include "harness.hpp"
#include "http.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <set>
#include <unistd.h>

using namespace rein::test;

namespace {

// The full path of `program` on PATH, or "" when it is not installed.
std::string on_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    std::string p = path ? path : "";
    for (std::size_t start = 0; start <= p.size();) {
        std::size_t end = std::min(p.find(':', start), p.size());
        std::string cand = p.substr(start, end - start) + "/" + program;
        if (end > start && access(cand.c_str(), X_OK) == 0) return cand;
        start = end + 1;
    }
    return "";
}

// Servers answering "pid N" on every GET, N being the pid of the instance rein started.
const char* const k_wsgi = R"(import os
def app(environ, start_response):
    # gunicorn answers from a worker; its parent, the arbiter, is the instance rein started.
    body = ("pid %d\n" % os.getppid()).encode()
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return [body]
)";

const char* const k_asgi = R"(import os
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = ("pid %d\n" % os.getpid()).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
)";

const char* const k_stdlib = R"(import http.server, os, socket
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = ("pid %d\n" % os.getpid()).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
server = http.server.HTTPServer(("", 0), Handler, bind_and_activate=False)
server.socket = socket.socket(fileno=3)
server.serve_forever()
)";

const char* const k_node = R"(const http = require('http');
http.createServer((req, res) => res.end(`pid ${process.pid}\n`)).listen({fd: 3});
)";

const char* const k_go = R"(package main
import ("fmt"; "net"; "net/http"; "os")
func main() {
	l, err := net.FileListener(os.NewFile(3, "listen"))
	if err != nil { panic(err) }
	http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "pid %d\n", os.Getpid())
	}))
}
)";

// Starts `app_lines` (an ecosystem entry without name, listen and instances) as two instances
// on one `listen` port; checks both stay online and both answer.
void serve_from_both(Home& h, const std::string& app_lines) {
    int port = free_port();
    std::string app =
        "  - name: web\n    instances: 2\n    listen: '127.0.0.1:" + std::to_string(port) +
        "'\n    cwd: " + h.dir() + "\n" + app_lines;
    Run start = h.rein({"start", h.ecosystem({app})});
    REQUIRE_MESSAGE(start.code == 0, start.err);
    REQUIRE(h.wait_status("web", "online", 2));
    std::set<std::string> expected;
    for (const auto& r : h.rows("web"))
        expected.insert("pid " + std::to_string(r["pid"].get<int>()) + "\n");
    std::set<std::string> seen;
    // A server still starting leaves connections in the backlog: they wait, none is refused.
    for (int i = 0; i < 2000 && seen != expected; ++i) {
        std::string body = http_get(port);
        if (!body.empty()) seen.insert(body);
        if (seen.size() > 2) break;
    }
    auto join = [](const std::set<std::string>& xs) {
        std::string s;
        for (const auto& x : xs) s += x;
        return s;
    };
    CHECK_MESSAGE(seen == expected, "answered by:\n"
                                        << join(seen) << "expected:\n"
                                        << join(expected));
    for (const auto& r : h.rows("web")) CHECK(r["restarts"] == 0);
    std::string err = h.read("logs/web-error.log");
    CHECK_MESSAGE(err.find("Error") == std::string::npos, err);
}

} // namespace

TEST_CASE("recipe: C, accept(3, ...)") {
    Home h;
    serve_from_both(h, "    script: " REIN_HTTP_BIN "\n");
}

TEST_CASE("recipe: Node, server.listen({fd: 3})") {
    std::string bin = on_path("node");
    if (bin.empty()) {
        MESSAGE("skipped: node is not installed");
        return;
    }
    Home h;
    h.write("server.js", k_node);
    serve_from_both(h, "    script: server.js\n");
}

TEST_CASE("recipe: Python stdlib, socket.socket(fileno=3)") {
    std::string bin = on_path("python3");
    if (bin.empty()) {
        MESSAGE("skipped: python3 is not installed");
        return;
    }
    Home h;
    h.write("server.py", k_stdlib);
    serve_from_both(h, "    script: server.py\n");
}

TEST_CASE("recipe: gunicorn takes LISTEN_FDS itself, no --bind") {
    std::string bin = on_path("gunicorn");
    if (bin.empty()) {
        MESSAGE("skipped: gunicorn is not installed");
        return;
    }
    Home h;
    h.write("app.py", k_wsgi);
    serve_from_both(h, "    script: " + bin + "\n    args: [app:app]\n");
}

TEST_CASE("recipe: uvicorn --fd 3") {
    std::string bin = on_path("uvicorn");
    if (bin.empty()) {
        MESSAGE("skipped: uvicorn is not installed");
        return;
    }
    Home h;
    h.write("app.py", k_asgi);
    serve_from_both(h, "    script: " + bin + "\n    args: [--fd, '3', app:app]\n");
}

TEST_CASE("recipe: Go, net.FileListener(os.NewFile(3, ...))") {
    std::string bin = on_path("go");
    if (bin.empty()) {
        MESSAGE("skipped: go is not installed");
        return;
    }
    Home h;
    h.write("main.go", k_go);
    std::string cmd = "cd " + h.dir() + " && GOCACHE=" + h.dir() + "/gocache GO111MODULE=off " +
                      bin + " build -o server main.go";
    REQUIRE(std::system(cmd.c_str()) == 0);
    serve_from_both(h, "    script: ./server\n");
}
