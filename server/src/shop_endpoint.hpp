#pragma once
// Calls one endpoint of the shop's own system as the merchant configured it
// (parley::endpoint_spec): URL template filled with URL-encoded values, the
// configured headers, an HMAC signature, a timeout per attempt and retries
// with exponential backoff after timeouts, connection errors and 5xx.
#include <boost/asio/awaitable.hpp>
#include <map>
#include <string>

#include "http_client.hpp"
#include "parley/config.hpp"

namespace parley::server {

// {name} placeholders → URL-encoded values ("" when unknown); {self} → this
// server's base URL, unencoded, only at the start.
std::string expand_url(const std::string& url_template,
                       const std::map<std::string, std::string>& values,
                       const std::string& self_url);

// Shared by endpoint calls and webhooks so receivers verify one way:
// X-Parley-Signature = "v1=" + hex(HMAC-SHA256(secret, "<timestamp>.<signed text>")).
std::string signature_header(const std::string& secret, std::int64_t unix_seconds,
                             const std::string& signed_text);
// A signed request to us (the demo backend, the shop's notices): the
// timestamp is within 5 minutes of `now_seconds` and the signature matches,
// compared in constant time.
bool verify_signature(const std::string& secret, const std::string& timestamp_header,
                      const std::string& signature_header_value, const std::string& signed_text,
                      std::int64_t now_seconds);

// What an endpoint call signs: "<METHOD> <target>\n<body>" (the target
// carries the order number and email of a GET).
std::string endpoint_signed_text(const std::string& method, const std::string& target,
                                 const std::string& body);

// Backoff before attempt `attempt` (1 = first retry): base·2^(attempt-1), capped.
std::chrono::milliseconds retry_delay(int attempt, std::chrono::milliseconds base,
                                      std::chrono::milliseconds cap);

struct endpoint_result {
    outbound_response response;  // of the last attempt
    int attempts = 0;
};

boost::asio::awaitable<endpoint_result> call_endpoint(
    http_client& client, const parley::endpoint_spec& endpoint,
    const std::map<std::string, std::string>& values, std::string body,
    const std::string& self_url);

}  // namespace parley::server
