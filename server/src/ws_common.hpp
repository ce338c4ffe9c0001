#pragma once
// What the shopper and agent sockets share: the Beast stream type, the frame
// limits of PROTOCOL.md, strict field checking for incoming frames, and a
// protocol-error budget (a client that keeps sending garbage is cut off).
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace parley::server {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using ws_stream = websocket::stream<beast::tcp_stream>;

// Frames above this are refused with an error frame; the socket stays open.
constexpr std::size_t max_frame_bytes = 64 * 1024;
// Beast stops reading (close 1009) above this: a client that sends megabytes
// is not worth reading.
constexpr std::size_t max_read_bytes = 1024 * 1024;
// Shopper and agent message text.
constexpr std::size_t max_text_bytes = 4000;
// Backpressure: stop reading a socket with this many frames waiting to be
// written; read again once it is down to the second number.
constexpr std::size_t pause_reading_above = 64;
constexpr std::size_t resume_reading_at = 16;

// A frame that breaks the protocol; `code` is one of PROTOCOL.md's error codes.
struct frame_error : std::runtime_error {
    frame_error(std::string c, const std::string& message)
        : std::runtime_error(message), code(std::move(c)) {}
    std::string code;
};

// Refuses fields outside `allowed` (typos must not be silently ignored).
void check_fields(const nlohmann::json& frame, std::initializer_list<std::string_view> allowed);
std::string require_string(const nlohmann::json& frame, std::string_view field,
                           std::size_t max_bytes, bool allow_empty = false);
std::optional<std::string> optional_string(const nlohmann::json& frame, std::string_view field,
                                           std::size_t max_bytes);
std::int64_t require_int(const nlohmann::json& frame, std::string_view field, std::int64_t lo,
                         std::int64_t hi);
// Message text: valid UTF-8, not blank, at most max_text_bytes.
std::string require_text(const nlohmann::json& frame, std::string_view field = "text");

// Parses one incoming frame: valid JSON object with a string "type".
nlohmann::json parse_frame(std::string_view data);

class error_budget {
  public:
    // True while the client is still welcome.
    bool spend() {
        const auto now = std::chrono::steady_clock::now();
        if (now - window_start_ > std::chrono::minutes(1)) {
            window_start_ = now;
            errors_ = 0;
        }
        return ++errors_ <= 20;
    }

  private:
    std::chrono::steady_clock::time_point window_start_ = std::chrono::steady_clock::now();
    int errors_ = 0;
};

// Serialized writes for one socket (Beast allows one async_write at a time).
// Used only on the socket's strand.
class write_queue {
  public:
    explicit write_queue(std::size_t limit = 4096) : limit_(limit) {}
    bool push(std::shared_ptr<const std::string> frame) {
        if (queue_.size() >= limit_) return false;  // a reader that never reads: drop it
        queue_.push_back(std::move(frame));
        return true;
    }
    bool empty() const { return queue_.empty(); }
    std::size_t size() const { return queue_.size(); }
    const std::shared_ptr<const std::string>& front() const { return queue_.front(); }
    void pop() { queue_.pop_front(); }

  private:
    std::size_t limit_;
    std::deque<std::shared_ptr<const std::string>> queue_;
};

void configure_websocket(ws_stream& ws);

}  // namespace parley::server
