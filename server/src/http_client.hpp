#pragma once
// Outbound HTTP(S) for the shop integrations and webhooks: one request, one
// answer, bounded in time and size. HTTPS verifies the peer against the
// system's CA store (Debian's ca-certificates) and its host name, with SNI.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace parley::server {

struct parsed_url {
    bool tls = false;
    std::string host;
    std::string port;    // "80"/"443" when the URL names none
    std::string target;  // path + query, at least "/"
};
// http:// and https:// URLs only; nullopt for anything else (credentials in
// the URL, fragments and other schemes are refused).
std::optional<parsed_url> parse_url(std::string_view url);

// Percent-encodes everything but RFC 3986's unreserved characters.
std::string url_encode(std::string_view s);

struct outbound_request {
    std::string method = "GET";
    std::string url;
    std::map<std::string, std::string> headers;
    std::string body;  // sent with Content-Type: application/json when non-empty
    std::chrono::milliseconds timeout{3000};
    std::size_t max_response_bytes = 1 << 20;
};

struct outbound_response {
    int status = 0;  // 0: no HTTP answer (see error)
    std::string body;
    std::string error;  // "" when an HTTP answer arrived
    bool timed_out = false;
    bool ok() const { return status >= 200 && status < 300; }
};

// Owns the TLS context (loaded once) for every outbound request of a node.
class http_client {
  public:
    http_client();
    // Also trusts the certificates in this PEM file (tests; a shop's private CA).
    void add_trusted_certificates(const std::string& pem_path);
    // One attempt; never throws (errors are in the response).
    boost::asio::awaitable<outbound_response> fetch(outbound_request request);

  private:
    boost::asio::ssl::context tls_;
};

}  // namespace parley::server
