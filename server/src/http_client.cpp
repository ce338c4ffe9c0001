#include "http_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>

namespace parley::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using net::use_awaitable;

std::optional<parsed_url> parse_url(std::string_view url) {
    parsed_url out;
    std::string_view rest;
    if (url.rfind("https://", 0) == 0) {
        out.tls = true;
        rest = url.substr(8);
    } else if (url.rfind("http://", 0) == 0) {
        rest = url.substr(7);
    } else {
        return std::nullopt;
    }
    const auto slash = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, slash);
    out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (!out.target.empty() && out.target[0] == '?') out.target.insert(0, "/");
    if (authority.empty() || authority.find('@') != std::string_view::npos ||
        out.target.find('#') != std::string::npos)
        return std::nullopt;
    for (char c : out.target)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return std::nullopt;
    std::string_view host = authority, port;
    if (authority.front() == '[') {  // [IPv6]:port
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = authority.substr(1, close - 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') return std::nullopt;
            port = authority.substr(close + 2);
        }
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty()) return std::nullopt;
    for (char c : host)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':'))
            return std::nullopt;
    if (!port.empty()) {
        if (port.size() > 5) return std::nullopt;
        for (char c : port)
            if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
        if (std::stoi(std::string(port)) == 0 || std::stoi(std::string(port)) > 65535)
            return std::nullopt;
    }
    out.host = std::string(host);
    out.port = port.empty() ? (out.tls ? "443" : "80") : std::string(port);
    return out;
}

std::string url_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

http_client::http_client() : tls_(ssl::context::tls_client) {
    tls_.set_default_verify_paths();
    tls_.set_verify_mode(ssl::verify_peer);
    tls_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
}

void http_client::add_trusted_certificates(const std::string& pem_path) {
    tls_.load_verify_file(pem_path);
}

namespace {

// Writes the request and reads the answer on a connected stream.
template <typename Stream>
net::awaitable<void> exchange(Stream& stream, http::request<http::string_body>& req,
                              outbound_response& out, std::size_t max_bytes) {
    co_await http::async_write(stream, req, use_awaitable);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_bytes);
    parser.header_limit(16 * 1024);
    co_await http::async_read(stream, buffer, parser, use_awaitable);
    out.status = static_cast<int>(parser.get().result_int());
    out.body = std::move(parser.get().body());
}

}  // namespace

net::awaitable<outbound_response> http_client::fetch(outbound_request request) {
    outbound_response out;
    const auto url = parse_url(request.url);
    if (!url) {
        out.error = "invalid URL";
        co_return out;
    }
    http::request<http::string_body> req;
    req.method_string(request.method);
    req.target(url->target);
    req.version(11);
    const bool default_port = url->port == (url->tls ? "443" : "80");
    req.set(http::field::host, default_port ? url->host : url->host + ":" + url->port);
    req.set(http::field::user_agent, "parley/1");
    req.set(http::field::accept, "application/json");
    req.set(http::field::connection, "close");
    for (const auto& [name, value] : request.headers) req.set(name, value);
    if (!request.body.empty() || request.method == "POST") {
        req.set(http::field::content_type, "application/json");
        req.body() = request.body;
    }
    req.prepare_payload();

    auto executor = co_await net::this_coro::executor;
    try {
        net::ip::tcp::resolver resolver(executor);
        const auto endpoints = co_await resolver.async_resolve(url->host, url->port, use_awaitable);
        if (url->tls) {
            beast::ssl_stream<beast::tcp_stream> stream(executor, tls_);
            if (!SSL_set_tlsext_host_name(stream.native_handle(), url->host.c_str()))
                throw beast::system_error(beast::error_code(static_cast<int>(::ERR_get_error()),
                                                            net::error::get_ssl_category()));
            stream.set_verify_callback(ssl::host_name_verification(url->host));
            // One deadline for connect, handshake, write and read together.
            beast::get_lowest_layer(stream).expires_after(request.timeout);
            co_await beast::get_lowest_layer(stream).async_connect(endpoints, use_awaitable);
            co_await stream.async_handshake(ssl::stream_base::client, use_awaitable);
            co_await exchange(stream, req, out, request.max_response_bytes);
        } else {
            beast::tcp_stream stream(executor);
            stream.expires_after(request.timeout);
            co_await stream.async_connect(endpoints, use_awaitable);
            co_await exchange(stream, req, out, request.max_response_bytes);
        }
    } catch (const boost::system::system_error& e) {
        out.status = 0;
        out.body.clear();
        out.timed_out = e.code() == beast::error::timeout;
        out.error = out.timed_out ? "timed out" : e.code().message();
    } catch (const std::exception& e) {
        out.status = 0;
        out.error = e.what();
    }
    co_return out;
}

}  // namespace parley::server
