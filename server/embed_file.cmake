# Writes OUTPUT, a C++ file defining parley::demo_config_json() with INPUT's bytes.
file(READ ${INPUT} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUTPUT} "// Generated from demo/shop.json; do not edit.\n#include <string_view>\nnamespace parley {\nnamespace { const unsigned char data[] = {${bytes} 0x00}; }\nstd::string_view demo_config_json() { return {reinterpret_cast<const char*>(data), sizeof(data) - 1}; }\n}\n")
