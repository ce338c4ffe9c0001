#include "parley/decimal.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

using namespace parley;

// decimal:: replaced strtod and the printf("%.*e") round-trip loop in the
// core's JSON; here the C library is the reference, bit for bit.

namespace {

std::uint64_t bits(double v) {
    std::uint64_t b;
    std::memcpy(&b, &v, sizeof b);
    return b;
}

double from_bits(std::uint64_t b) {
    double v;
    std::memcpy(&v, &b, sizeof v);
    return v;
}

// The loop json.cpp used before: the smallest precision whose strtod is v.
std::string libc_shortest(double v, int& point) {
    char buf[40];
    for (int p = 0; p <= 17; ++p) {
        std::snprintf(buf, sizeof buf, "%.*e", p, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    std::string digits;
    const char* q = buf;
    for (; *q != 'e'; ++q)
        if (*q != '.') digits += *q;
    point = std::atoi(q + 1) + 1;
    return digits;
}

void check_shortest(double v) {
    int point = 0;
    const std::string expected = libc_shortest(v, point);
    const auto got = decimal::shortest(v);
    INFO("v = ", v);
    CHECK(std::string(got.digits, static_cast<std::size_t>(got.count)) == expected);
    CHECK(got.point == point);
}

void check_parse(const std::string& text) {
    INFO("text = ", text);
    CHECK(bits(decimal::parse(text)) == bits(std::strtod(text.c_str(), nullptr)));
}

}  // namespace

TEST_CASE("shortest digits are printf's round-trip digits") {
    for (double v : {5e-324, 1e-323, 2.2250738585072014e-308, 2.225073858507201e-308,
                     1.7976931348623157e308, 0.1, 0.5, 2.5, 1e22, 1e23, 9007199254740993.0,
                     123456789012345678.0, 0.3, 1.0 / 3, 100.0, 1e-5, 0.8234})
        check_shortest(v);
    std::mt19937_64 rng(7);
    for (int i = 0; i < 20000; ++i) {
        const double v = from_bits(rng() & 0x7fffffffffffffffULL);
        if (std::isfinite(v) && v > 0) check_shortest(v);
    }
    for (int i = 0; i < 20000; ++i)
        check_shortest(
            std::ldexp(static_cast<double>(rng() >> 11), static_cast<int>(rng() % 200) - 100));
    for (int i = 0; i < 20000; ++i)  // short decimals: confidences, thresholds, weights
        check_shortest(static_cast<double>(rng() % 100000 + 1) /
                       std::pow(10.0, static_cast<double>(rng() % 8)));
}

TEST_CASE("parsing rounds like strtod") {
    for (const char* text :
         {"0",
          "-0",
          "0.0",
          "1",
          "0.1",
          "-2.5e-3",
          "1e22",
          "1e23",
          "9007199254740993",
          "9007199254740992.5",
          "2.4703282292062327e-324",
          "2.4703282292062328e-324",
          "4.9406564584124654e-324",
          "1e-324",
          "3e-324",
          "2.2250738585072011e-308",
          "2.2250738585072012e-308",
          "1.7976931348623157e308",
          "1.7976931348623158e308",
          "1.7976931348623159e308",
          "1e400",
          "1e-400",
          "1e999999999999999999",
          "1e-999999999999999999",
          "123456789012345678901234567890e-10",
          "0.0000000000000000000000000000001",
          "1.00000000000000011102230246251565404236316680908203125",  // exactly halfway: to even
          "1.00000000000000011102230246251565404236316680908203124",
          "1.00000000000000011102230246251565404236316680908203126",
          "7.2057594037927933e16"})
        check_parse(text);
    // Halfway with more digits than are kept exactly: only a far nonzero digit rounds up.
    const std::string half = "1.00000000000000011102230246251565404236316680908203125";
    check_parse(half + std::string(1000, '0'));
    check_parse(half + std::string(1000, '0') + "1");
    check_parse("0." + std::string(900, '0') + "1e900");
    std::mt19937_64 rng(11);
    for (int i = 0; i < 20000; ++i) {
        std::string text;
        const int digits = 1 + static_cast<int>(rng() % 40);
        for (int k = 0; k < digits; ++k) text += static_cast<char>('0' + rng() % 10);
        if (rng() % 2) text.insert(1 + rng() % text.size(), ".");
        if (text.back() == '.') text += '0';
        text += "e" + std::to_string(static_cast<int>(rng() % 700) - 350);
        check_parse(text);
    }
    for (int i = 0; i < 20000; ++i) {
        char buf[64];
        const double v = from_bits(rng() & 0x7fffffffffffffffULL);
        if (!std::isfinite(v)) continue;
        std::snprintf(buf, sizeof buf, "%.*e", static_cast<int>(rng() % 20), v);
        check_parse(buf);
    }
}
