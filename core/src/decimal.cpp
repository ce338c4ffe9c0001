#include "parley/decimal.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace parley::decimal {

namespace {

// A non-negative integer of any size, little-endian 32-bit limbs without
// leading zero limbs: just what exact decimal ⇄ binary comparison needs.
class big {
  public:
    explicit big(std::uint64_t v = 0) {
        for (; v; v >>= 32) w_.push_back(static_cast<std::uint32_t>(v));
    }
    bool zero() const { return w_.empty(); }
    std::size_t bits() const {
        return w_.empty() ? 0 : 32 * w_.size() - std::countl_zero(w_.back());
    }
    big& mul_add(std::uint32_t m, std::uint32_t a = 0) {
        std::uint64_t carry = a;
        for (auto& x : w_) {
            carry += static_cast<std::uint64_t>(x) * m;
            x = static_cast<std::uint32_t>(carry);
            carry >>= 32;
        }
        if (carry) w_.push_back(static_cast<std::uint32_t>(carry));
        return *this;
    }
    big& mul_pow10(long long k) {
        for (; k >= 9; k -= 9) mul_add(1000000000);
        static constexpr std::uint32_t small[] = {1,      10,      100,      1000,     10000,
                                                  100000, 1000000, 10000000, 100000000};
        return mul_add(small[k]);
    }
    big& shl(std::size_t n) {
        if (zero()) return *this;
        w_.insert(w_.begin(), n / 32, 0);
        if (const unsigned s = n % 32) {
            std::uint32_t carry = 0;
            for (auto& x : w_) {
                const std::uint32_t next = x >> (32 - s);
                x = (x << s) | carry;
                carry = next;
            }
            if (carry) w_.push_back(carry);
        }
        return *this;
    }
    // *this -= b, where b <= *this.
    big& sub(const big& b) {
        std::int64_t borrow = 0;
        for (std::size_t i = 0; i < w_.size(); ++i) {
            std::int64_t d = static_cast<std::int64_t>(w_[i]) - borrow -
                             (i < b.w_.size() ? static_cast<std::int64_t>(b.w_[i]) : 0);
            borrow = d < 0;
            w_[i] = static_cast<std::uint32_t>(d + (borrow << 32));
        }
        while (!w_.empty() && w_.back() == 0) w_.pop_back();
        return *this;
    }
    friend int compare(const big& a, const big& b) {
        if (a.w_.size() != b.w_.size()) return a.w_.size() < b.w_.size() ? -1 : 1;
        for (std::size_t i = a.w_.size(); i-- > 0;)
            if (a.w_[i] != b.w_[i]) return a.w_[i] < b.w_[i] ? -1 : 1;
        return 0;
    }

  private:
    std::vector<std::uint32_t> w_;
};

// 10^0 … 10^22: every one exact in a double (Clinger's fast path).
constexpr double exact_pow10(int k) {
    double p = 1;
    while (k-- > 0) p *= 10;
    return p;
}

// Significant digits kept: a double's halfway points need at most 767, so
// the rest only matters as "nonzero or not" (a sticky digit).
constexpr std::size_t max_digits = 800;

}  // namespace

double to_double(std::string_view digits, long long exponent) {
    while (!digits.empty() && digits.front() == '0') digits.remove_prefix(1);
    if (digits.empty()) return 0.0;
    std::string kept(digits.substr(0, max_digits));
    if (digits.size() > max_digits) {
        exponent += static_cast<long long>(digits.size() - max_digits);
        if (digits.find_first_not_of('0', max_digits) != std::string_view::npos) {
            kept += '1';
            --exponent;
        }
    }
    // kept × 10^exponent lies in [10^(magnitude-1), 10^magnitude).
    const long long magnitude = static_cast<long long>(kept.size()) + exponent;
    if (magnitude > 310) return std::numeric_limits<double>::infinity();
    if (magnitude <= -324) return 0.0;  // below 10^-324, under half the smallest subnormal

    if (kept.size() <= 15 && exponent >= -22 && exponent <= 22) {
        std::uint64_t m = 0;
        for (char c : kept) m = m * 10 + static_cast<unsigned>(c - '0');
        const double d = static_cast<double>(m);  // exact: m < 10^15 < 2^53
        return exponent >= 0 ? d * exact_pow10(static_cast<int>(exponent))
                             : d / exact_pow10(static_cast<int>(-exponent));
    }

    // value = num / den exactly; find k with 2^52 <= value / 2^k < 2^53.
    big num, den(1);
    for (char c : kept) num.mul_add(10, static_cast<std::uint32_t>(c - '0'));
    if (exponent > 0) num.mul_pow10(exponent);
    if (exponent < 0) den.mul_pow10(-exponent);
    long long k = static_cast<long long>(num.bits()) - static_cast<long long>(den.bits()) - 53;
    if (k > 0) den.shl(static_cast<std::size_t>(k));
    if (k < 0) num.shl(static_cast<std::size_t>(-k));
    if (compare(num, big(den).shl(53)) >= 0) {
        den.shl(1);
        ++k;
    }
    if (k < -1074) {  // subnormal: fewer significant bits
        den.shl(static_cast<std::size_t>(-1074 - k));
        k = -1074;
    }
    std::uint64_t q = 0;
    for (int bit = 52; bit >= 0; --bit) {
        big part = big(den).shl(static_cast<std::size_t>(bit));
        if (compare(num, part) >= 0) {
            num.sub(part);
            q |= std::uint64_t{1} << bit;
        }
    }
    const int half = compare(num.shl(1), den);  // the remainder against half a unit
    if (half > 0 || (half == 0 && (q & 1))) ++q;
    return std::ldexp(static_cast<double>(q), static_cast<int>(k));
}

double parse(std::string_view number) {
    const bool negative = !number.empty() && number.front() == '-';
    if (negative) number.remove_prefix(1);
    std::string digits;
    long long exponent = 0;
    bool fraction = false;
    std::size_t i = 0;
    for (; i < number.size() && number[i] != 'e' && number[i] != 'E'; ++i) {
        if (number[i] == '.') {
            fraction = true;
            continue;
        }
        digits += number[i];
        if (fraction) --exponent;
    }
    if (i < number.size()) {
        ++i;
        const bool minus = number[i] == '-';
        if (number[i] == '-' || number[i] == '+') ++i;
        long long e = 0;
        for (; i < number.size(); ++i)
            if (e < 1000000000) e = e * 10 + (number[i] - '0');  // saturates far beyond any double
        exponent += minus ? -e : e;
    }
    const double v = to_double(digits, exponent);
    return negative ? -v : v;
}

shortest_digits shortest(double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);  // (emscripten 3.1.6's libc++ has no std::bit_cast)
    const int biased = static_cast<int>(bits >> 52 & 0x7ff);
    std::uint64_t m = bits & ((std::uint64_t{1} << 52) - 1);
    int e = -1074;
    if (biased) {
        m |= std::uint64_t{1} << 52;
        e = biased - 1075;
    }
    // r / s = v / 10^point in [0.1, 1).
    big r(m), s(1);
    if (e > 0) r.shl(static_cast<std::size_t>(e));
    if (e < 0) s.shl(static_cast<std::size_t>(-e));
    // log10(2) ≈ 0.30103: a first guess of point, corrected exactly below.
    int point =
        static_cast<int>((static_cast<long long>(e) + 64 - std::countl_zero(m)) * 30103 / 100000);
    if (point > 0) s.mul_pow10(point);
    if (point < 0) r.mul_pow10(-point);
    while (compare(r, s) >= 0) {
        s.mul_add(10);
        ++point;
    }
    while (compare(big(r).mul_add(10), s) < 0) {
        r.mul_add(10);
        --point;
    }
    // The first 18 digits of v, and whether any digit after them is nonzero.
    char all[18];
    for (char& d : all) {
        r.mul_add(10);
        d = 0;
        while (compare(r, s) >= 0) {
            r.sub(s);
            ++d;
        }
    }
    const bool sticky = !r.zero();

    shortest_digits out;
    for (int count = 1; count <= 17; ++count) {
        // The digits printf("%.*e", count - 1, v) prints: rounded to nearest, ties to even.
        out.count = count;
        out.point = point;
        for (int i = 0; i < count; ++i) out.digits[i] = all[i];
        bool rest = sticky;
        for (int i = count + 1; i < 18; ++i) rest = rest || all[i] != 0;
        const char next = all[count];
        if (next > 5 || (next == 5 && (rest || (all[count - 1] & 1)))) {
            int i = count - 1;
            while (i >= 0 && out.digits[i] == 9) out.digits[i--] = 0;
            if (i >= 0) {
                ++out.digits[i];
            } else {  // 99…9 rounded up to 10…0
                out.digits[0] = 1;
                ++out.point;
            }
        }
        for (int i = 0; i < count; ++i) out.digits[i] = static_cast<char>('0' + out.digits[i]);
        if (to_double(std::string_view(out.digits, static_cast<std::size_t>(count)),
                      static_cast<long long>(out.point) - count) == v)
            break;
    }
    return out;
}

}  // namespace parley::decimal
