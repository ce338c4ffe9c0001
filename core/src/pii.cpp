// PII masking with hand-written scanners. std::regex is avoided on purpose: it
// is slow, backtracks on hostile input and adds a lot of code to the wasm
// build. Every scanner looks at each byte a bounded number of times (matches
// are capped in length: 19 digits for cards, 15 for phones, 64 + 254 bytes for
// emails), so a whole pass is linear in the input.
//
// Only ASCII bytes can be part of a match. Every byte >= 0x80 (CJK text,
// emoji, invalid UTF-8) is a boundary, which is what Chinese text needs:
// "订单1001的状态" and "我的邮箱是a.b@x.cn谢谢" have no spaces around the PII.
#include "parley/pii.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "parley/sort.hpp"

namespace parley {

namespace {

constexpr bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
constexpr bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool is_alnum(char c) {
    return is_digit(c) || is_alpha(c);
}
// A token touching a word byte is part of a bigger token ("abc1001", "1001st").
constexpr bool is_word(char c) {
    return is_alnum(c) || c == '_';
}
constexpr char to_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}
constexpr bool is_x(char c) {
    return c == 'X' || c == 'x';
}
// Bytes that glue two digit runs into one number that is none of our kinds:
// dates (2024-05-01), decimals (19.99), versions (1.2.3), thousands (1,299),
// times (10:30), fractions (1/2). A digit run glued this way to another one is
// never an order number, and a phone or card may not end right before one.
constexpr bool is_joiner(char c) {
    return c == '-' || c == '.' || c == '/' || c == ',' || c == ':';
}
// RFC 5322 allows more, but these are what real addresses use; the rarer ones
// ('!', '{', ...) would mostly pull punctuation into matches.
constexpr bool is_local_char(char c) {
    return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
constexpr bool is_domain_char(char c) {
    return is_alnum(c) || c == '-' || c == '.';
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (to_lower(a[i]) != to_lower(b[i])) return false;
    }
    return true;
}

bool ends_with(std::string_view s, std::size_t end, std::string_view suffix) {
    return end >= suffix.size() && s.substr(end - suffix.size(), suffix.size()) == suffix;
}

bool starts_at(std::string_view s, std::size_t pos, std::string_view prefix) {
    return pos <= s.size() && s.substr(pos).substr(0, prefix.size()) == prefix;
}

// Email match around the '@' at `at`, not reaching before `floor`. Returns the
// span in `begin`/`end`.
bool match_email(std::string_view text, std::size_t at, std::size_t floor, std::size_t& begin,
                 std::size_t& end) {
    constexpr std::size_t max_local = 64;
    constexpr std::size_t max_domain = 254;
    std::size_t b = at;
    while (b > floor && is_local_char(text[b - 1]) && at - b <= max_local) --b;
    if (at - b > max_local) return false;
    // "see:.john@x.com" or "...john@x.com": a local part cannot start with a dot.
    while (b < at && text[b] == '.') ++b;
    if (b == at || text[at - 1] == '.') return false;
    for (std::size_t i = b; i + 1 < at; ++i) {
        if (text[i] == '.' && text[i + 1] == '.') return false;
    }

    const std::size_t d = at + 1;
    const std::size_t limit = std::min(text.size(), d + max_domain);
    std::size_t e = d;
    while (e < limit && is_domain_char(text[e])) ++e;
    if (e == limit && e < text.size() && is_domain_char(text[e])) return false;
    // A sentence may end right after the address ("mail a@b.com.").
    while (e > d && (text[e - 1] == '.' || text[e - 1] == '-')) --e;

    // The address ends after the last label that can be a top-level domain
    // (two or more letters) with at least one label before it, so
    // "a@b.com.123" yields "a@b.com". A malformed label ends the domain.
    std::size_t best = 0;
    std::size_t labels = 0;
    for (std::size_t pos = d; pos < e;) {
        std::size_t le = pos;
        bool alpha = true;
        for (; le < e && text[le] != '.'; ++le) {
            if (!is_alpha(text[le])) alpha = false;
        }
        const std::size_t len = le - pos;
        if (len == 0 || len > 63 || text[pos] == '-' || text[le - 1] == '-') break;
        ++labels;
        if (labels >= 2 && alpha && len >= 2) best = le;
        pos = le + 1;
    }
    if (best == 0) return false;
    begin = b;
    end = best;
    return true;
}

bool leap_year(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int number(std::string_view digits) {
    int n = 0;
    for (char c : digits) n = n * 10 + (c - '0');
    return n;
}

struct digit_run {
    std::size_t begin;
    std::size_t end;
    std::size_t size() const { return end - begin; }
};

struct phone_part {
    std::size_t run;  // index into the digit runs
    bool paren;       // written as "(415)"
    char sep;         // separator before this part, 0 if none
};

// One masking pass. Kinds are scanned in precedence order; a match is kept
// only where no earlier kind already took a byte, so overlaps resolve by
// precedence without a separate conflict step.
class masker {
  public:
    masker(std::string_view text, const pii_rules& rules)
        : text_(text), rules_(rules), taken_(text.size(), 0) {
        for (std::size_t i = 0; i < text_.size();) {
            if (!is_digit(text_[i])) {
                ++i;
                continue;
            }
            std::size_t j = i;
            while (j < text_.size() && is_digit(text_[j])) ++j;
            runs_.push_back({i, j});
            i = j;
        }
    }

    pii_result run() {
        if (rules_.email) scan_emails();
        if (rules_.cn_id) scan_cn_ids();
        if (rules_.card) scan_cards();
        if (rules_.phone) scan_phones();
        if (rules_.order_number) scan_orders();
        // Taken spans never overlap (is_free), so no two begin alike: one order.
        sort_with(found_,
                  [](const pii_entity& a, const pii_entity& b) { return a.begin < b.begin; });

        pii_result result;
        result.masked.reserve(text_.size());
        std::size_t pos = 0;
        for (const auto& e : found_) {
            result.masked.append(text_.substr(pos, e.begin - pos));
            result.masked.append(pii_placeholder(e.kind));
            pos = e.end;
        }
        result.masked.append(text_.substr(pos));
        result.entities = std::move(found_);
        return result;
    }

  private:
    char at(std::size_t i) const { return i < text_.size() ? text_[i] : '\0'; }
    char before(std::size_t pos) const { return pos > 0 ? text_[pos - 1] : '\0'; }
    bool starts_clean(std::size_t pos) const { return !is_word(before(pos)); }
    // "2024-05-01": the run "05" is glued to the run before it.
    bool joined_left(std::size_t pos) const {
        return pos >= 2 && is_joiner(text_[pos - 1]) && is_digit(text_[pos - 2]);
    }
    bool ends_clean(std::size_t end) const {
        const char c = at(end);
        if (is_word(c)) return false;
        return !(is_joiner(c) && is_digit(at(end + 1)));
    }
    bool is_free(std::size_t begin, std::size_t end) const {
        for (std::size_t i = begin; i < end; ++i) {
            if (taken_[i]) return false;
        }
        return true;
    }
    void take(pii_kind kind, std::size_t begin, std::size_t end) {
        std::fill(taken_.begin() + static_cast<std::ptrdiff_t>(begin),
                  taken_.begin() + static_cast<std::ptrdiff_t>(end), 1);
        found_.push_back({kind, std::string(text_.substr(begin, end - begin)), begin, end});
    }
    std::string digits_of(std::size_t first_run, std::size_t last_run) const {
        std::string out;
        for (std::size_t i = first_run; i <= last_run; ++i) {
            out.append(text_.substr(runs_[i].begin, runs_[i].size()));
        }
        return out;
    }

    void scan_emails() {
        std::size_t floor = 0;  // end of the previous address: they never overlap
        for (std::size_t a = text_.find('@'); a != std::string_view::npos;
             a = text_.find('@', a + 1)) {
            if (a < floor) continue;
            std::size_t b = 0;
            std::size_t e = 0;
            if (!match_email(text_, a, floor, b, e)) continue;
            take(pii_kind::email, b, e);
            floor = e;
        }
    }

    void scan_cn_ids() {
        for (std::size_t i = 0; i < runs_.size(); ++i) {
            const digit_run& r = runs_[i];
            if (!starts_clean(r.begin) || joined_left(r.begin) || before(r.begin) == '+') continue;
            std::string id;
            std::size_t end = 0;
            if (r.size() == 18) {
                id = digits_of(i, i);
                end = r.end;
            } else if (r.size() == 17 && is_x(at(r.end))) {
                id = digits_of(i, i) + 'X';
                end = r.end + 1;
            } else if (r.size() == 6 && i + 2 < runs_.size()) {
                // Written in its three parts: region, birth date, sequence.
                const char sep = at(r.end);
                const digit_run& birth = runs_[i + 1];
                const digit_run& tail = runs_[i + 2];
                if ((sep != ' ' && sep != '-') || birth.begin != r.end + 1 || birth.size() != 8 ||
                    at(birth.end) != sep || tail.begin != birth.end + 1) {
                    continue;
                }
                if (tail.size() == 4) {
                    id = digits_of(i, i + 2);
                    end = tail.end;
                } else if (tail.size() == 3 && is_x(at(tail.end))) {
                    id = digits_of(i, i + 2) + 'X';
                    end = tail.end + 1;
                }
            }
            if (id.empty() || !ends_clean(end) || !cn_id_valid(id) || !is_free(r.begin, end)) {
                continue;
            }
            take(pii_kind::cn_id, r.begin, end);
        }
    }

    // Shape of a card written as runs first..last: one run of 13-19 digits, or
    // groups like 4-4-4-4, 4-6-5 (Amex) or 4-4-4-4-3 (19-digit UnionPay).
    bool card_shape(std::size_t first, std::size_t last, std::size_t digits) const {
        if (digits < 13 || digits > 19) return false;
        if (first == last) return true;
        if (runs_[first].size() != 4) return false;
        for (std::size_t i = first + 1; i <= last; ++i) {
            if (runs_[i].size() < 3 || runs_[i].size() > 6) return false;
        }
        return true;
    }

    void scan_cards() {
        for (std::size_t i = 0; i < runs_.size(); ++i) {
            const digit_run& r = runs_[i];
            // Card numbers never start with 0 (ISO/IEC 7812 industry 0 is not
            // cards); this keeps "00" international dialling prefixes out.
            if (r.size() > 19 || text_[r.begin] == '0' || taken_[r.begin]) continue;
            if (!starts_clean(r.begin) || joined_left(r.begin) || before(r.begin) == '+') continue;
            // Collect the groups joined by one consistent separator.
            std::size_t last = i;
            std::size_t digits = r.size();
            char sep = 0;
            while (last + 1 < runs_.size()) {
                const digit_run& next = runs_[last + 1];
                const char c = text_[runs_[last].end];
                if (next.begin != runs_[last].end + 1 || (c != ' ' && c != '-')) break;
                if ((sep != 0 && c != sep) || digits + next.size() > 19) break;
                sep = c;
                digits += next.size();
                ++last;
            }
            // Longest valid card first: "4111 1111 1111 1111 5" keeps the 16.
            for (std::size_t j = last + 1; j-- > i;) {
                const std::size_t end = runs_[j].end;
                if (card_shape(i, j, digits) && ends_clean(end) && luhn_valid(digits_of(i, j)) &&
                    is_free(r.begin, end)) {
                    take(pii_kind::card, r.begin, end);
                    break;
                }
                digits -= runs_[j].size();
            }
        }
    }

    std::size_t part_end(const phone_part& p) const { return runs_[p.run].end + (p.paren ? 1 : 0); }

    // Phone rules, by the shapes people actually type (k parts, D digits):
    //  - international: '+' then 7..15 digits in any grouping (E.164);
    //  - Chinese mobile: 1[3-9] + 9 digits, as one run or 3-4-4;
    //  - North American: [1 ]ddd ddd dddd or (ddd) ddd-dddd, area code 2-9;
    //  - local 7 digits: ddd-dddd;
    //  - national with trunk prefix 0: 9..15 digits in groups of >= 2
    //    ("020 7946 0958", "010-12345678", "01 23 45 67 89"), or one run of
    //    11..15 digits ("02079460958", "008613812345678").
    // A plain run of up to 10 digits is deliberately not a phone: it is far
    // more often an order or customer number.
    bool phone_shape(const std::array<phone_part, 16>& parts, std::size_t k, bool plus) const {
        std::array<std::size_t, 16> sizes{};
        std::size_t digits = 0;
        bool any_paren = false;
        for (std::size_t i = 0; i < k; ++i) {
            sizes[i] = runs_[parts[i].run].size();
            digits += sizes[i];
            any_paren = any_paren || parts[i].paren;
        }
        const char first = text_[runs_[parts[0].run].begin];
        if (plus) return first != '0' && digits >= 7 && digits <= 15;

        // Dates are the most common digit groups in chat and must never be a
        // phone: 2024-05-01 ..., 01.05.2024 ...
        if (k >= 3 && !any_paren && parts[1].sep == parts[2].sep &&
            (parts[1].sep == '-' || parts[1].sep == '.' || parts[1].sep == ' ') &&
            ((sizes[0] == 4 && sizes[1] <= 2 && sizes[2] <= 2) ||
             (sizes[0] <= 2 && sizes[1] <= 2 && sizes[2] == 4))) {
            return false;
        }

        if (digits == 11 && first == '1' && !any_paren) {
            const char second = text_[runs_[parts[0].run].begin + 1];
            const bool mobile_prefix = second >= '3' && second <= '9';
            if (mobile_prefix && k == 1) return true;
            if (mobile_prefix && k == 3 && sizes[0] == 3 && sizes[1] == 4 && sizes[2] == 4 &&
                parts[1].sep == parts[2].sep && (parts[1].sep == ' ' || parts[1].sep == '-')) {
                return true;
            }
        }

        const auto area_ok = [&](std::size_t i) {
            const char c = text_[runs_[parts[i].run].begin];
            return c >= '2' && c <= '9';
        };
        if (k == 3 && sizes[0] == 3 && sizes[1] == 3 && sizes[2] == 4 && area_ok(0)) return true;
        if (k == 4 && sizes[0] == 1 && first == '1' && sizes[1] == 3 && sizes[2] == 3 &&
            sizes[3] == 4 && area_ok(1)) {
            return true;
        }

        if (k == 2 && sizes[0] == 3 && sizes[1] == 4 && parts[1].sep == '-' && !any_paren &&
            first != '0') {
            return true;
        }

        if (first == '0') {
            if (k == 1) return !any_paren && digits >= 11 && digits <= 15;
            if (digits < 9 || digits > 15) return false;
            for (std::size_t i = 0; i < k; ++i) {
                if (sizes[i] < 2) return false;
            }
            return true;
        }
        return false;
    }

    // Tries a phone starting with run i at byte `start` ('+', '(' or the
    // run). Returns the end of the match, 0 if none.
    std::size_t try_phone(std::size_t i, std::size_t start, bool plus, bool paren_first) {
        constexpr std::size_t max_digits = 15;
        std::array<phone_part, 16> parts{};
        std::size_t count = 0;
        std::size_t digits = runs_[i].size();
        if (digits > max_digits) return 0;
        parts[count++] = {i, paren_first, 0};
        std::size_t pos = part_end(parts[0]);
        for (std::size_t j = i + 1; j < runs_.size() && count < parts.size(); ++j) {
            std::size_t p = pos;
            char sep = 0;
            if (at(p) == ' ' || at(p) == '-' || at(p) == '.') sep = at(p++);
            const digit_run& r = runs_[j];
            const bool paren = at(p) == '(' && r.begin == p + 1 && at(r.end) == ')';
            if (!paren && r.begin != p) break;
            if (digits + r.size() > max_digits) break;
            digits += r.size();
            parts[count++] = {j, paren, sep};
            pos = part_end(parts[count - 1]);
        }
        // Longest accepted prefix: "+44 20 7946 0958 1001" stops before the
        // group that would exceed 15 digits.
        for (std::size_t k = count; k >= 1; --k) {
            const std::size_t end = part_end(parts[k - 1]);
            if (phone_shape(parts, k, plus) && ends_clean(end) && is_free(start, end)) {
                take(pii_kind::phone, start, end);
                return end;
            }
        }
        return 0;
    }

    void scan_phones() {
        std::size_t floor = 0;
        for (std::size_t i = 0; i < runs_.size(); ++i) {
            const digit_run& r = runs_[i];
            if (r.begin < floor) continue;
            const char prev = before(r.begin);
            if (prev == '+') {
                // "1+1" is arithmetic, not a number; a failed '+' start is not
                // retried without the '+' (it would misread the country code).
                if (starts_clean(r.begin - 1)) {
                    if (std::size_t e = try_phone(i, r.begin - 1, true, false)) floor = e;
                }
                continue;
            }
            if (prev == '(' && at(r.end) == ')' && starts_clean(r.begin - 1)) {
                if (std::size_t e = try_phone(i, r.begin - 1, false, true)) {
                    floor = e;
                    continue;
                }
            }
            if (!starts_clean(r.begin) || joined_left(r.begin)) continue;
            if (std::size_t e = try_phone(i, r.begin, false, false)) floor = e;
        }
    }

    // "$1999", "¥1999", "RMB 1999": a price, not an order number.
    bool currency_before(std::size_t pos) const {
        if (before(pos) == ' ') --pos;
        if (before(pos) == '$') return true;
        for (std::string_view sym : {"\xE2\x82\xAC" /* € */, "\xC2\xA3" /* £ */, "\xC2\xA5" /* ¥ */,
                                     "\xEF\xBF\xA5" /* ￥ */}) {
            if (ends_with(text_, pos, sym)) return true;
        }
        if (pos < 3 || !starts_clean(pos - 3)) return false;
        const std::string_view word = text_.substr(pos - 3, 3);
        for (std::string_view code : {"usd", "eur", "gbp", "rmb", "cny", "hkd", "jpy"}) {
            if (iequals(word, code)) return true;
        }
        return false;
    }

    // "1999元", "50%", "2024年": amounts and years, not order numbers.
    bool unit_after(std::size_t pos) const {
        if (at(pos) == ' ') ++pos;
        for (std::string_view unit :
             {"%", "\xEF\xBC\x85" /* ％ */, "\xE5\x85\x83" /* 元 */, "\xE5\x9D\x97" /* 块 */,
              "\xE5\xB9\xB4" /* 年 */, "\xE2\x82\xAC" /* € */}) {
            if (starts_at(text_, pos, unit)) return true;
        }
        return false;
    }

    void scan_orders() {
        const std::size_t min_digits = std::max<std::size_t>(1, rules_.order_min_digits);
        const std::size_t max_digits = rules_.order_max_digits;
        if (min_digits > max_digits) return;

        // Digit runs separated by one space or one joiner form a chunk. A
        // chunk with many groups or many digits is some structured number (a
        // card that failed Luhn, an account number, a date and time, a phone
        // with phones turned off); its groups are not order numbers, else
        // "4111 1111 1111 1112" would become four orders. Runs already masked
        // as another kind break chunks, so "13812345678 1001" still finds
        // the order.
        struct chunk {
            std::size_t runs = 0;
            std::size_t digits = 0;
            bool plus = false;
        };
        std::vector<chunk> chunks;
        std::vector<std::size_t> chunk_of(runs_.size(), 0);
        bool prev_free = false;
        for (std::size_t i = 0; i < runs_.size(); ++i) {
            const digit_run& r = runs_[i];
            const bool free_run = is_free(r.begin, r.end);
            const bool joins = prev_free && free_run && runs_[i - 1].end + 1 == r.begin &&
                               (text_[r.begin - 1] == ' ' || is_joiner(text_[r.begin - 1]));
            prev_free = free_run;
            if (!free_run) continue;
            if (!joins) chunks.push_back({0, 0, before(r.begin) == '+'});
            chunk_of[i] = chunks.size() - 1;
            chunks.back().runs += 1;
            chunks.back().digits += r.size();
        }

        const std::string_view prefix = rules_.order_prefix;
        for (std::size_t i = 0; i < runs_.size(); ++i) {
            const digit_run& r = runs_[i];
            if (r.size() < min_digits || r.size() > max_digits || taken_[r.begin]) continue;
            std::size_t start = r.begin;
            bool plain = true;
            if (!prefix.empty() && start >= prefix.size() &&
                iequals(text_.substr(start - prefix.size(), prefix.size()), prefix) &&
                starts_clean(start - prefix.size())) {
                start -= prefix.size();
                plain = false;
            }
            if (before(start) == '#') {
                if (!starts_clean(start - 1)) continue;
                --start;
                plain = false;
            }
            if (plain) {
                if (!starts_clean(start) || joined_left(start) || before(start) == '+' ||
                    currency_before(start)) {
                    continue;
                }
                const chunk& c = chunks[chunk_of[i]];
                if (c.runs >= 3 || (c.runs == 2 && c.digits >= 11) || c.plus) continue;
            }
            if (!ends_clean(r.end) || unit_after(r.end) || !is_free(start, r.end)) continue;
            take(pii_kind::order_number, start, r.end);
        }
    }

    std::string_view text_;
    const pii_rules& rules_;
    std::vector<digit_run> runs_;
    std::vector<unsigned char> taken_;  // one flag per input byte
    std::vector<pii_entity> found_;
};

}  // namespace

std::string_view pii_placeholder(pii_kind kind) {
    switch (kind) {
        case pii_kind::email:
            return "[EMAIL]";
        case pii_kind::phone:
            return "[PHONE]";
        case pii_kind::card:
            return "[CARD]";
        case pii_kind::cn_id:
            return "[CN_ID]";
        case pii_kind::order_number:
            return "[ORDER]";
    }
    return "[PII]";  // only for a value cast from outside the enum
}

std::string_view pii_name(pii_kind kind) {
    switch (kind) {
        case pii_kind::email:
            return "email";
        case pii_kind::phone:
            return "phone";
        case pii_kind::card:
            return "card";
        case pii_kind::cn_id:
            return "cn_id";
        case pii_kind::order_number:
            return "order_number";
    }
    return "";
}

bool pii_kind_from_name(std::string_view name, pii_kind& out) {
    for (pii_kind kind : {pii_kind::email, pii_kind::phone, pii_kind::card, pii_kind::cn_id,
                          pii_kind::order_number}) {
        if (pii_name(kind) == name) {
            out = kind;
            return true;
        }
    }
    return false;
}

pii_result mask_pii(std::string_view text, const pii_rules& rules) {
    return masker(text, rules).run();
}

bool luhn_valid(std::string_view digits) {
    if (digits.empty()) return false;
    int sum = 0;
    bool double_it = false;
    for (std::size_t i = digits.size(); i-- > 0;) {
        if (!is_digit(digits[i])) return false;
        int d = digits[i] - '0';
        if (double_it) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
        double_it = !double_it;
    }
    return sum % 10 == 0;
}

bool cn_id_valid(std::string_view id18) {
    if (id18.size() != 18) return false;
    for (std::size_t i = 0; i < 17; ++i) {
        if (!is_digit(id18[i])) return false;
    }
    if (!is_digit(id18[17]) && !is_x(id18[17])) return false;
    // Region codes start at 1; the birth date must exist. With the checksum
    // alone one random 18-digit number in 11 would pass.
    if (id18[0] == '0') return false;
    const int year = number(id18.substr(6, 4));
    const int month = number(id18.substr(10, 2));
    const int day = number(id18.substr(12, 2));
    static constexpr std::array<int, 12> days = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1800 || year > 2099 || month < 1 || month > 12 || day < 1 ||
        day > days[static_cast<std::size_t>(month - 1)] ||
        (month == 2 && day == 29 && !leap_year(year))) {
        return false;
    }
    // GB 11643-1999: weights 2^(17-i) mod 11, check code from the sum mod 11.
    static constexpr std::array<int, 17> weights = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                                    3, 7, 9,  10, 5, 8, 4, 2};
    int sum = 0;
    for (std::size_t i = 0; i < 17; ++i) sum += (id18[i] - '0') * weights[i];
    const char expected = "10X98765432"[sum % 11];
    const char got = is_x(id18[17]) ? 'X' : id18[17];
    return got == expected;
}

bool looks_like_email(std::string_view text) {
    const std::size_t a = text.find('@');
    if (a == std::string_view::npos || text.find('@', a + 1) != std::string_view::npos) {
        return false;
    }
    std::size_t b = 0;
    std::size_t e = 0;
    return match_email(text, a, 0, b, e) && b == 0 && e == text.size();
}

}  // namespace parley
