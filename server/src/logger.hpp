#pragma once
// Structured logs: one JSON object per line on stderr, so operators can grep
// or ship them without parsing prose. The logger is an object the server owns
// (no global), shared by reference.
#include <mutex>
#include <string_view>

#include <nlohmann/json.hpp>

namespace parley::server {

class logger {
  public:
    explicit logger(bool quiet = false) : quiet_(quiet) {}
    void info(std::string_view event, nlohmann::json fields = nlohmann::json::object());
    void warn(std::string_view event, nlohmann::json fields = nlohmann::json::object());
    void error(std::string_view event, nlohmann::json fields = nlohmann::json::object());

  private:
    void write(std::string_view level, std::string_view event, nlohmann::json fields);
    std::mutex mutex_;
    bool quiet_;
};

}  // namespace parley::server
