#include "shop_endpoint.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <chrono>
#include <cstdlib>

#include "auth.hpp"

namespace parley::server {

namespace net = boost::asio;

std::string expand_url(const std::string& url_template,
                       const std::map<std::string, std::string>& values,
                       const std::string& self_url) {
    std::string out;
    std::size_t i = 0;
    if (url_template.rfind("{self}", 0) == 0) {
        out = self_url;
        i = 6;
    }
    while (i < url_template.size()) {
        const char c = url_template[i];
        const auto close = c == '{' ? url_template.find('}', i) : std::string::npos;
        if (close == std::string::npos) {
            out += c;
            ++i;
            continue;
        }
        const std::string name = url_template.substr(i + 1, close - i - 1);
        auto it = values.find(name);
        if (it != values.end()) out += url_encode(it->second);
        i = close + 1;
    }
    return out;
}

std::string signature_header(const std::string& secret, std::int64_t unix_seconds,
                             const std::string& signed_text) {
    return "v1=" + hmac_sha256_hex(secret, std::to_string(unix_seconds) + "." + signed_text);
}

bool verify_signature(const std::string& secret, const std::string& timestamp_header,
                      const std::string& signature_header_value, const std::string& signed_text,
                      std::int64_t now_seconds) {
    std::int64_t ts = 0;
    const auto* end = timestamp_header.data() + timestamp_header.size();
    auto [ptr, ec] = std::from_chars(timestamp_header.data(), end, ts);
    if (ec != std::errc() || ptr != end || timestamp_header.empty()) return false;
    if (std::llabs(now_seconds - ts) > 300) return false;  // replayed or skewed
    return constant_time_equal(signature_header_value, signature_header(secret, ts, signed_text));
}

std::string endpoint_signed_text(const std::string& method, const std::string& target,
                                 const std::string& body) {
    return method + " " + target + "\n" + body;
}

std::chrono::milliseconds retry_delay(int attempt, std::chrono::milliseconds base,
                                      std::chrono::milliseconds cap) {
    auto d = base;
    for (int i = 1; i < attempt && d < cap; ++i) d *= 2;
    return std::min(d, cap);
}

net::awaitable<endpoint_result> call_endpoint(http_client& client,
                                              const parley::endpoint_spec& endpoint,
                                              const std::map<std::string, std::string>& values,
                                              std::string body, const std::string& self_url) {
    outbound_request req;
    req.method = endpoint.method;
    req.url = expand_url(endpoint.url, values, self_url);
    req.headers = endpoint.headers;
    req.body = std::move(body);
    req.timeout = std::chrono::milliseconds(endpoint.timeout_ms);
    const auto url = parse_url(req.url);
    endpoint_result result;
    if (!url) {
        result.response.error = "invalid URL after filling the template";
        co_return result;
    }
    net::steady_timer timer(co_await net::this_coro::executor);
    for (int attempt = 0; attempt <= endpoint.retries; ++attempt) {
        if (attempt > 0) {
            timer.expires_after(retry_delay(attempt, std::chrono::milliseconds(200),
                                            std::chrono::milliseconds(2000)));
            co_await timer.async_wait(net::use_awaitable);
        }
        if (!endpoint.hmac_secret.empty()) {
            // Signed per attempt: a retry carries a fresh timestamp.
            const auto ts = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
            req.headers["X-Parley-Timestamp"] = std::to_string(ts);
            req.headers["X-Parley-Signature"] = signature_header(
                endpoint.hmac_secret, ts, endpoint_signed_text(req.method, url->target, req.body));
        }
        result.response = co_await client.fetch(req);
        result.attempts = attempt + 1;
        const int status = result.response.status;
        const bool retryable = status == 0 || status >= 500 || status == 429;
        if (!retryable) break;
    }
    co_return result;
}

}  // namespace parley::server
