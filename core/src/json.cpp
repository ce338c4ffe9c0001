#include "parley/json.hpp"

#include <algorithm>
#include <cmath>

#include "parley/decimal.hpp"
#include "parley/sort.hpp"
#include "parley/utf8.hpp"

namespace parley::json {

namespace {
[[noreturn]] void wrong_type(const char* expected) {
    throw std::invalid_argument(std::string("json: expected ") + expected);
}
}  // namespace

bool value::as_bool() const {
    if (!is_bool()) wrong_type("a boolean");
    return bool_;
}

double value::as_double() const {
    if (!is_number()) wrong_type("a number");
    return number_;
}

long long value::as_int() const {
    if (!is_number()) wrong_type("a number");
    return integer_ ? int_ : static_cast<long long>(number_);
}

const std::string& value::as_string() const {
    if (!is_string()) wrong_type("a string");
    return string_;
}

const value* value::find(std::string_view key) const {
    const auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
    if (it == keys_.end() || *it != key) return nullptr;
    return &items_[static_cast<std::size_t>(it - keys_.begin())];
}

// Recursive descent over the whole text. Nesting is capped: a config is a
// few levels deep, and the browser's wasm stack is small.
class parser {
  public:
    explicit parser(std::string_view text) : s_(text) {}

    value run() {
        if (s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
        if (!utf8::is_valid(s_)) fail("invalid UTF-8");
        value v;
        parse_value(v, 0);
        skip_space();
        if (pos_ != s_.size()) fail("unexpected text after the value");
        return v;
    }

  private:
    static constexpr int max_depth = 512;

    [[noreturn]] void fail(const char* what) const {
        std::size_t line = 1, column = 1;
        for (std::size_t i = 0; i < pos_ && i < s_.size(); ++i) {
            if (s_[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        throw parse_error("parse error at line " + std::to_string(line) + ", column " +
                          std::to_string(column) + ": " + what);
    }

    void skip_space() {
        while (pos_ < s_.size() &&
               (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
            ++pos_;
    }

    bool eat(char c) {
        skip_space();
        if (pos_ < s_.size() && s_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }

    bool literal(std::string_view word) {
        if (s_.substr(pos_, word.size()) != word) return false;
        pos_ += word.size();
        return true;
    }

    void parse_value(value& v, int depth) {
        if (depth > max_depth) fail("nesting too deep");
        skip_space();
        if (pos_ >= s_.size()) fail("unexpected end of input; expected a value");
        const char c = s_[pos_];
        if (c == '{') {
            ++pos_;
            parse_object(v, depth);
        } else if (c == '[') {
            ++pos_;
            v.type_ = type::array;
            if (eat(']')) return;
            do {
                v.items_.emplace_back();
                parse_value(v.items_.back(), depth + 1);
            } while (eat(','));
            if (!eat(']')) fail("expected ',' or ']'");
        } else if (c == '"') {
            v.type_ = type::string;
            parse_string(v.string_);
        } else if (literal("true") || literal("false")) {
            v.type_ = type::boolean;
            v.bool_ = c == 't';
        } else if (literal("null")) {
            v.type_ = type::null;
        } else {
            parse_number(v);
        }
    }

    // Members are sorted by key and a repeated key keeps its last value, so
    // lookups and iteration behave as nlohmann's std::map-backed objects.
    void parse_object(value& v, int depth) {
        v.type_ = type::object;
        std::vector<std::string> keys;
        std::vector<value> values;
        if (!eat('}')) {
            do {
                skip_space();
                if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a string as object key");
                keys.emplace_back();
                parse_string(keys.back());
                if (!eat(':')) fail("expected ':'");
                values.emplace_back();
                parse_value(values.back(), depth + 1);
            } while (eat(','));
            if (!eat('}')) fail("expected ',' or '}'");
        }
        std::vector<std::size_t> order(keys.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        // Equal keys: the later one first, so that the first of a run is kept.
        sort_indices(
            order,
            [](const void* k, std::size_t a, std::size_t b) {
                const auto& keys = *static_cast<const std::vector<std::string>*>(k);
                return keys[a] != keys[b] ? keys[a] < keys[b] : a > b;
            },
            &keys);
        for (const std::size_t i : order) {
            if (!v.keys_.empty() && v.keys_.back() == keys[i]) continue;
            v.keys_.push_back(std::move(keys[i]));
            v.items_.push_back(std::move(values[i]));
        }
    }

    unsigned hex4() {
        if (s_.size() - pos_ < 4) fail("expected four hex digits after \\u");
        unsigned cp = 0;
        for (int k = 0; k < 4; ++k) {
            const char h = s_[pos_++];
            cp <<= 4;
            if (h >= '0' && h <= '9')
                cp |= static_cast<unsigned>(h - '0');
            else if (h >= 'a' && h <= 'f')
                cp |= static_cast<unsigned>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F')
                cp |= static_cast<unsigned>(h - 'A' + 10);
            else
                fail("expected four hex digits after \\u");
        }
        return cp;
    }

    void parse_string(std::string& out) {
        ++pos_;  // the opening quote
        for (;;) {
            if (pos_ >= s_.size()) fail("unterminated string");
            const char c = s_[pos_++];
            if (c == '"') return;
            if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= s_.size()) fail("unterminated string");
            switch (s_[pos_++]) {
                case '"':
                    out += '"';
                    break;
                case '\\':
                    out += '\\';
                    break;
                case '/':
                    out += '/';
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    char32_t cp = hex4();
                    if (cp >= 0xDC00 && cp <= 0xDFFF) fail("lone low surrogate");
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        if (!literal("\\u")) fail("expected a low surrogate after a high one");
                        const unsigned low = hex4();
                        if (low < 0xDC00 || low > 0xDFFF)
                            fail("expected a low surrogate after a high one");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    }
                    utf8::append(out, cp);
                    break;
                }
                default:
                    fail("invalid escape");
            }
        }
    }

    // RFC 8259 numbers only ("01", "1.", ".5", "+1" are errors). Integers that
    // fit 64 bits keep their exact value; everything also gets the nearest double.
    void parse_number(value& v) {
        const std::size_t start = pos_;
        auto digits = [&] {
            const std::size_t from = pos_;
            while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
            return pos_ - from;
        };
        const bool negative = pos_ < s_.size() && s_[pos_] == '-';
        if (negative) ++pos_;
        const std::size_t int_start = pos_;
        const std::size_t int_digits = digits();
        if (int_digits == 0) fail("expected a value");
        if (int_digits > 1 && s_[int_start] == '0') fail("leading zero in a number");
        bool integer = true;
        if (pos_ < s_.size() && s_[pos_] == '.') {
            ++pos_;
            integer = false;
            if (digits() == 0) fail("expected digits after '.'");
        }
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            integer = false;
            if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
            if (digits() == 0) fail("expected digits in the exponent");
        }
        v.type_ = type::number;
        v.number_ = decimal::parse(s_.substr(start, pos_ - start));
        if (!std::isfinite(v.number_)) fail("number out of range");
        if (integer) {
            // Magnitude up to 2^64 - 1 (2^63 when negative), else a double.
            unsigned long long m = 0;
            bool fits = true;
            for (std::size_t i = int_start; i < pos_ && fits; ++i) {
                const unsigned d = static_cast<unsigned>(s_[i] - '0');
                if (m > (~0ULL - d) / 10) fits = false;
                m = m * 10 + d;
            }
            if (negative && m > (1ULL << 63)) fits = false;
            if (fits) {
                v.integer_ = true;
                v.int_ = negative ? static_cast<long long>(0 - m) : static_cast<long long>(m);
            }
        }
    }

    std::string_view s_;
    std::size_t pos_ = 0;
};

value parse(std::string_view text) {
    return parser(text).run();
}

namespace {

// Length of the well-formed UTF-8 sequence at s[i], or the length of its
// maximal invalid prefix negated (at least 1): Unicode's "maximal subpart"
// rule, which is what nlohmann's dump(…, error_handler_t::replace) applies.
int sequence(std::string_view s, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b0 = b(i);
    if (b0 < 0x80) return 1;
    int extra;
    unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        extra = 1;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        extra = 2;
        if (b0 == 0xE0) lo = 0xA0;
        if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        extra = 3;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F;
    } else {
        return -1;
    }
    for (int n = 1; n <= extra; ++n) {
        const std::size_t k = i + static_cast<std::size_t>(n);
        if (k >= s.size() || b(k) < lo || b(k) > hi) return -n;
        lo = 0x80, hi = 0xBF;
    }
    return extra + 1;
}

}  // namespace

void append_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            const int n = sequence(s, i);
            if (n > 0)
                out.append(s.substr(i, static_cast<std::size_t>(n)));
            else
                out += "\xEF\xBF\xBD";
            i += static_cast<std::size_t>(n > 0 ? n : -n);
            continue;
        }
        ++i;
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 15];
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}

// nlohmann's layout of the shortest round-trip digits: fixed notation for
// decimal exponents -4 < n <= 15 (with ".0" on integral values), else d.ddde±XX.
void append_number(std::string& out, double v) {
    if (!std::isfinite(v)) {
        out += "null";
        return;
    }
    if (std::signbit(v)) {
        out += '-';
        v = -v;
    }
    if (v == 0) {
        out += "0.0";
        return;
    }
    const decimal::shortest_digits d = decimal::shortest(v);
    const std::string_view digits(d.digits, static_cast<std::size_t>(d.count));
    const int n = d.point;  // position of the decimal point
    const int k = d.count;
    if (k <= n && n <= 15) {
        out += digits;
        out.append(static_cast<std::size_t>(n - k), '0');
        out += ".0";
    } else if (0 < n && n <= 15) {
        out.append(digits, 0, static_cast<std::size_t>(n));
        out += '.';
        out.append(digits, static_cast<std::size_t>(n));
    } else if (-4 < n && n <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-n), '0');
        out += digits;
    } else {
        out += digits[0];
        if (k > 1) {
            out += '.';
            out.append(digits, 1);
        }
        const int e = n - 1;
        out += e < 0 ? "e-" : "e+";
        const int a = e < 0 ? -e : e;
        if (a < 10) out += '0';
        out += std::to_string(a);
    }
}

std::string quote(std::string_view s) {
    std::string out;
    append_string(out, s);
    return out;
}

void writer::separate() {
    if (!out_.empty() && out_.back() != '{' && out_.back() != '[' && out_.back() != ':')
        out_ += ',';
}

writer& writer::raw(char c) {
    separate();
    out_ += c;
    return *this;
}

writer& writer::end_object() {
    out_ += '}';
    return *this;
}

writer& writer::end_array() {
    out_ += ']';
    return *this;
}

writer& writer::key(std::string_view k) {
    separate();
    append_string(out_, k);
    out_ += ':';
    return *this;
}

writer& writer::string(std::string_view s) {
    separate();
    append_string(out_, s);
    return *this;
}

writer& writer::number(double v) {
    separate();
    append_number(out_, v);
    return *this;
}

writer& writer::integer(long long v) {
    separate();
    out_ += std::to_string(v);
    return *this;
}

writer& writer::boolean(bool v) {
    separate();
    out_ += v ? "true" : "false";
    return *this;
}

writer& writer::null() {
    separate();
    out_ += "null";
    return *this;
}

writer& writer::strings(const std::vector<std::string>& items) {
    begin_array();
    for (const auto& s : items) string(s);
    return end_array();
}

}  // namespace parley::json
