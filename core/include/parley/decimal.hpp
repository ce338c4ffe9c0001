#pragma once
// Exact conversion between decimal text and double, for the core's JSON. It
// is what strtod and printf("%.*e") did there (correct rounding, ties to
// even), without them: in the wasm core, libc's printf and strtod with their
// soft long-double helpers were ~21 kB of code for a handful of numbers
// (wasm/README.md). Big-integer arithmetic, slow only where a number needs
// more than 15 digits or a far exponent; tests/core/decimal_test.cpp checks
// both directions against the C library.
#include <cstdint>
#include <string_view>

namespace parley::decimal {

// The double nearest to digits × 10^exponent, ties to even, like strtod:
// `digits` is decimal digits only (leading zeros allowed, any length); a
// result beyond the largest double is infinity, one below the smallest
// subnormal half is 0.
double to_double(std::string_view digits, long long exponent);

// Reads an RFC 8259 number that the caller has already checked
// (-?int(.frac)?([eE][+-]?digits)?) as strtod would.
double parse(std::string_view number);

// The shortest decimal that reads back as v (finite, > 0): the digits of
// printf("%.*e", p, v) for the smallest p whose strtod is v. v equals
// 0.d1d2…dk × 10^point, approximately.
struct shortest_digits {
    char digits[18];
    int count = 0;
    int point = 0;
};
shortest_digits shortest(double v);

}  // namespace parley::decimal
