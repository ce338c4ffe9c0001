#pragma once
// Small I/O helpers for the CLI front ends (the core never reads files).
#include <string>
#include <string_view>

namespace parley {

// Whole file as bytes; throws std::runtime_error naming the path.
std::string read_file(const std::string& path);
// The bundled demo shop (demo/shop.json), compiled into the binary.
std::string_view demo_config_json();

}  // namespace parley
