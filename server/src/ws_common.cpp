#include "ws_common.hpp"

#include <boost/beast/version.hpp>

#include "parley/utf8.hpp"

namespace parley::server {

using nlohmann::json;

void check_fields(const json& frame, std::initializer_list<std::string_view> allowed) {
    for (const auto& [key, value] : frame.items()) {
        bool ok = false;
        for (auto a : allowed) ok = ok || key == a;
        if (!ok) throw frame_error("unknown_field", "unknown field '" + key + "'");
    }
}

std::string require_string(const json& frame, std::string_view field, std::size_t max_bytes,
                           bool allow_empty) {
    auto it = frame.find(std::string(field));
    if (it == frame.end() || !it->is_string())
        throw frame_error("bad_frame", "'" + std::string(field) + "' must be a string");
    const auto& s = it->get_ref<const std::string&>();
    if (s.size() > max_bytes)
        throw frame_error("too_large", "'" + std::string(field) + "' is longer than " +
                                           std::to_string(max_bytes) + " bytes");
    if (!allow_empty && s.empty())
        throw frame_error("bad_frame", "'" + std::string(field) + "' must not be empty");
    return s;
}

std::optional<std::string> optional_string(const json& frame, std::string_view field,
                                           std::size_t max_bytes) {
    auto it = frame.find(std::string(field));
    if (it == frame.end() || it->is_null()) return std::nullopt;
    return require_string(frame, field, max_bytes, true);
}

std::int64_t require_int(const json& frame, std::string_view field, std::int64_t lo,
                         std::int64_t hi) {
    auto it = frame.find(std::string(field));
    if (it == frame.end() || !it->is_number_integer())
        throw frame_error("bad_frame", "'" + std::string(field) + "' must be an integer");
    const auto v = it->get<std::int64_t>();
    if (v < lo || v > hi)
        throw frame_error("bad_frame", "'" + std::string(field) + "' must be between " +
                                           std::to_string(lo) + " and " + std::to_string(hi));
    return v;
}

std::string require_text(const json& frame, std::string_view field) {
    std::string s = require_string(frame, field, max_text_bytes, true);
    bool blank = true;
    for (unsigned char c : s) blank = blank && (c == ' ' || c == '\t' || c == '\n' || c == '\r');
    if (blank) throw frame_error("bad_frame", "'" + std::string(field) + "' must not be blank");
    return utf8::sanitize(s);
}

json parse_frame(std::string_view data) {
    if (data.size() > max_frame_bytes)
        throw frame_error("too_large",
                          "frame larger than " + std::to_string(max_frame_bytes) + " bytes");
    json j = json::parse(data, nullptr, false);
    if (j.is_discarded()) throw frame_error("bad_json", "frame is not valid JSON (UTF-8)");
    if (!j.is_object()) throw frame_error("bad_frame", "frame must be a JSON object");
    auto it = j.find("type");
    if (it == j.end() || !it->is_string())
        throw frame_error("bad_frame", "frame needs a string 'type'");
    return j;
}

void configure_websocket(ws_stream& ws) {
    ws.set_option(websocket::stream_base::timeout{
        std::chrono::seconds(30),  // handshake
        std::chrono::minutes(5),   // idle: Beast pings, then drops the dead
        true});
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "parley"); }));
    ws.read_message_max(max_read_bytes);
    ws.auto_fragment(false);
    // Small per-socket buffers keep idle shopper sockets cheap (10k+ per node).
    ws.write_buffer_bytes(4096);
}

}  // namespace parley::server
