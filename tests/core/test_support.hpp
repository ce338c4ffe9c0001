#pragma once
// Shared helpers for the core tests: reading the bundled demo config and the
// shared evaluation data (tests read files; the core never does).
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace parley::test {

inline std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline std::string demo_config_text() {
    return read_text_file(std::string(PARLEY_SOURCE_DIR) + "/demo/shop.json");
}
inline std::string data_path(const std::string& relative) {
    return std::string(PARLEY_DATA_DIR) + "/" + relative;
}

}  // namespace parley::test
