#pragma once
// The little JSON the core speaks: the merchant config, a session, a reply,
// a vector calibration. A small reader (a DOM with nlohmann::json's reading
// rules: strict RFC 8259, UTF-8 checked, object keys sorted and the last of a
// duplicated key kept, as a std::map holds them) and a writer (nlohmann's
// output byte for byte: its number format, escapes and U+FFFD replacement of
// invalid UTF-8). The core used nlohmann::json until it was ~70 KB of the
// browser's 129 KB gzip wasm; this is a few KB, and tests/core/json_test.cpp
// checks it against nlohmann.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace parley::json {

// Thrown by parse(): "parse error at line 1, column 7: expected ',' or '}'".
class parse_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class type : unsigned char { null, boolean, number, string, array, object };

class value {
  public:
    json::type type() const { return type_; }
    bool is_null() const { return type_ == type::null; }
    bool is_bool() const { return type_ == type::boolean; }
    bool is_number() const { return type_ == type::number; }
    // A number written without fraction or exponent that fits 64 bits
    // (nlohmann's number_integer/number_unsigned).
    bool is_integer() const { return type_ == type::number && integer_; }
    bool is_string() const { return type_ == type::string; }
    bool is_array() const { return type_ == type::array; }
    bool is_object() const { return type_ == type::object; }

    // Typed access; the wrong type throws std::invalid_argument.
    bool as_bool() const;
    double as_double() const;
    // An integer as written (a value above INT64_MAX wraps, as nlohmann's
    // get<long long>() does); a fractional number truncated.
    long long as_int() const;
    const std::string& as_string() const;

    // Elements of an array or members of an object (0 for anything else).
    std::size_t size() const { return items_.size(); }
    bool empty() const { return items_.empty(); }
    // The i-th array element or member value (i < size()).
    const value& operator[](std::size_t i) const { return items_[i]; }
    // The i-th member's key of an object, in sorted key order.
    const std::string& key(std::size_t i) const { return keys_[i]; }
    // The member named `key` of an object, or nullptr.
    const value* find(std::string_view key) const;

  private:
    friend class parser;
    json::type type_ = type::null;
    bool integer_ = false;
    bool bool_ = false;
    double number_ = 0.0;
    long long int_ = 0;
    std::string string_;
    std::vector<value> items_;       // array elements or member values
    std::vector<std::string> keys_;  // member keys (objects), sorted, unique
};

// Parses one JSON text (a UTF-8 BOM is skipped; nothing but whitespace may
// follow the value). Throws parse_error.
value parse(std::string_view text);

// Appends `s` as a JSON string literal; invalid UTF-8 becomes U+FFFD (one per
// maximal invalid subsequence).
void append_string(std::string& out, std::string_view s);
// Appends a double the shortest way that reads back exactly ("0.5", "1.0",
// "1e-05"; NaN and infinities as null).
void append_number(std::string& out, double v);

// Writes one JSON text into a string, compact. Callers emit keys in the order
// the output must have; the writer adds the commas and colons.
class writer {
  public:
    writer& begin_object() { return raw('{'); }
    writer& end_object();
    writer& begin_array() { return raw('['); }
    writer& end_array();
    writer& key(std::string_view k);
    writer& string(std::string_view s);
    writer& number(double v);
    writer& integer(long long v);
    writer& boolean(bool v);
    writer& null();
    writer& strings(const std::vector<std::string>& items);

    const std::string& str() const { return out_; }
    std::string take() { return std::move(out_); }

  private:
    writer& raw(char c);
    void separate();
    std::string out_;
};

// `s` as a JSON string literal.
std::string quote(std::string_view s);

}  // namespace parley::json
