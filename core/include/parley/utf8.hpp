#pragma once
// UTF-8 decoding that never fails: every byte sequence maps to code points,
// with invalid or truncated sequences replaced by U+FFFD. Shopper text comes
// from browsers, terminals and copy-paste, so "invalid UTF-8" is normal input.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parley::utf8 {

inline constexpr char32_t replacement = 0xFFFD;

// Decodes one code point starting at s[i]; advances i past it (at least one byte).
char32_t next(std::string_view s, std::size_t& i);

std::u32string decode(std::string_view s);
void append(std::string& out, char32_t cp);
std::string encode(std::u32string_view s);

// True if s is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid(std::string_view s);
// Returns s with every invalid sequence replaced by U+FFFD.
std::string sanitize(std::string_view s);

// Length in code points (invalid bytes count one each).
std::size_t length(std::string_view s);
// Cuts s to at most max_bytes without splitting a code point.
std::string_view truncate(std::string_view s, std::size_t max_bytes);

}  // namespace parley::utf8
