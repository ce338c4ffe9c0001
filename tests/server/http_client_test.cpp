#include "http_client.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>

#include "serve_process.hpp"

using namespace parley::server;

namespace {

outbound_response fetch(http_client& client, const std::string& url) {
    boost::asio::io_context ioc;
    outbound_request req;
    req.url = url;
    req.timeout = std::chrono::milliseconds(3000);
    auto f = boost::asio::co_spawn(ioc, client.fetch(req), boost::asio::use_future);
    ioc.run();
    return f.get();
}

unsigned short free_port() {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

// `openssl s_server -www` with a throwaway self-signed certificate for
// "localhost": a real TLS peer to verify against.
struct tls_server {
    parley::test::temp_dir dir;
    unsigned short port = free_port();
    pid_t pid = -1;
    std::string cert = (dir.path() / "cert.pem").string();
    tls_server() {
        const std::string key = (dir.path() / "key.pem").string();
        const std::string make =
            "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
            "-addext subjectAltName=DNS:localhost -keyout '" +
            key + "' -out '" + cert + "' > /dev/null 2>&1";
        REQUIRE(std::system(make.c_str()) == 0);
        pid = fork();
        if (pid == 0) {
            const std::string accept = "127.0.0.1:" + std::to_string(port);
            freopen("/dev/null", "w", stdout);
            freopen("/dev/null", "w", stderr);
            execlp("openssl", "openssl", "s_server", "-accept", accept.c_str(), "-cert",
                   cert.c_str(), "-key", key.c_str(), "-www", "-quiet", nullptr);
            _exit(127);
        }
        // Ready when it accepts connections.
        for (int i = 0; i < 100; ++i) {
            try {
                boost::asio::io_context ioc;
                boost::asio::ip::tcp::socket s(ioc);
                s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
                return;
            } catch (const std::exception&) {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
        FAIL("openssl s_server did not start");
    }
    ~tls_server() {
        if (pid > 0) {
            kill(pid, SIGTERM);
            waitpid(pid, nullptr, 0);
        }
    }
};

}  // namespace

TEST_CASE("https: the peer's certificate and host name are verified") {
    tls_server server;
    const std::string url = "https://localhost:" + std::to_string(server.port) + "/";
    {
        http_client client;  // system CAs only: a self-signed peer is refused
        const auto r = fetch(client, url);
        CHECK(r.status == 0);
        CHECK_FALSE(r.error.empty());
    }
    http_client client;
    client.add_trusted_certificates(server.cert);
    const auto ok = fetch(client, url);
    INFO(ok.error);
    CHECK(ok.status == 200);
    // The same certificate under another name does not pass.
    const auto wrong_name = fetch(client, "https://127.0.0.1:" + std::to_string(server.port) + "/");
    CHECK(wrong_name.status == 0);
}

TEST_CASE("http: answers, sizes and refusals") {
    http_client client;
    CHECK(fetch(client, "ftp://example.com/").error == "invalid URL");
    const auto refused = fetch(client, "http://127.0.0.1:1/");
    CHECK(refused.status == 0);
    CHECK_FALSE(refused.timed_out);
}
