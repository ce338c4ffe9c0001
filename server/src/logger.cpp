#include "logger.hpp"

#include <chrono>
#include <cstdio>

namespace parley::server {

void logger::info(std::string_view event, nlohmann::json fields) {
    if (!quiet_) write("info", event, std::move(fields));
}
void logger::warn(std::string_view event, nlohmann::json fields) {
    write("warn", event, std::move(fields));
}
void logger::error(std::string_view event, nlohmann::json fields) {
    write("error", event, std::move(fields));
}

void logger::write(std::string_view level, std::string_view event, nlohmann::json fields) {
    if (!fields.is_object()) fields = nlohmann::json{{"detail", fields}};
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    fields["ts"] = now;
    fields["level"] = level;
    fields["event"] = event;
    const std::string line =
        fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::lock_guard lock(mutex_);
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

}  // namespace parley::server
