// Latency of the core's own student encoder (core/src/encoder.cpp): loads a
// model file, embeds 1,000 sequences of random ids at each of 8, 16 and 32
// tokens (capped at the model's max_positions) and prints p50/p99 ms per
// length, one JSON object per measurement, then a readable table.
//
//   parley_bench_encoder [MODEL.onnx] [--runs N]
//
// Without MODEL it uses models/student.onnx when that exists, else the tiny
// test fixture (tests/core/fixtures/tiny_student.onnx).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "parley/encoder.hpp"

using namespace parley;

namespace {

using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point t0) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

// splitmix64: the same ids on every platform, unlike <random>'s distributions.
struct rng {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
};

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(rank, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
    std::string path;
    int runs = 1000;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--runs" && i + 1 < argc) {
            runs = std::max(1, std::atoi(argv[++i]));
        } else if (!arg.empty() && arg[0] != '-' && path.empty()) {
            path = arg;
        } else {
            std::fputs("usage: parley_bench_encoder [MODEL.onnx] [--runs N]\n", stderr);
            return 2;
        }
    }
    if (path.empty()) {
        const std::string shipped = std::string(PARLEY_SOURCE_DIR) + "/models/student.onnx";
        path = std::filesystem::exists(shipped)
                   ? shipped
                   : std::string(PARLEY_SOURCE_DIR) + "/tests/core/fixtures/tiny_student.onnx";
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "parley_bench_encoder: cannot read %s\n", path.c_str());
        return 1;
    }
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                          std::istreambuf_iterator<char>());
    const auto t0 = clock_type::now();
    const encoder model = [&] {
        try {
            return encoder::load(bytes);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "parley_bench_encoder: %s: %s\n", path.c_str(), e.what());
            std::exit(1);
        }
    }();
    const double load_ms = ms_since(t0);
    std::printf(
        "{\"model\":\"%s\",\"bytes\":%zu,\"load_ms\":%.2f,\"weight_bytes\":%zu,\"hidden\":%zu,"
        "\"layers\":%zu,\"ffn\":%zu,\"output_dim\":%zu,\"vocab\":%zu}\n",
        path.c_str(), bytes.size(), load_ms, model.memory_bytes(), model.hidden(), model.layers(),
        model.ffn(), model.output_dim(), model.vocab_size());

    struct row {
        std::size_t tokens;
        double p50, p99, mean;
    };
    std::vector<row> table;
    rng g{42};
    float sink = 0;  // keeps the work observable
    for (const std::size_t wanted : {8, 16, 32}) {
        const std::size_t tokens = std::min(wanted, model.max_positions());
        std::vector<std::vector<std::int32_t>> inputs(static_cast<std::size_t>(runs));
        for (auto& ids : inputs)
            for (std::size_t t = 0; t < tokens; ++t)
                ids.push_back(static_cast<std::int32_t>(g.next() % model.vocab_size()));
        for (int i = 0; i < std::min(runs, 50); ++i) sink += model.embed(inputs[i]).frustration;
        std::vector<double> ms;
        ms.reserve(inputs.size());
        double total = 0;
        for (const auto& ids : inputs) {
            const auto t1 = clock_type::now();
            sink += model.embed(ids).frustration;
            ms.push_back(ms_since(t1));
            total += ms.back();
        }
        const row r{tokens, percentile(ms, 0.5), percentile(ms, 0.99),
                    total / static_cast<double>(ms.size())};
        table.push_back(r);
        std::printf(
            "{\"tokens\":%zu,\"runs\":%d,\"p50_ms\":%.4f,\"p99_ms\":%.4f,\"mean_ms\":%.4f}\n",
            r.tokens, runs, r.p50, r.p99, r.mean);
    }
    std::printf("\n%-8s %10s %10s %10s\n", "tokens", "p50 ms", "p99 ms", "mean ms");
    for (const row& r : table)
        std::printf("%-8zu %10.4f %10.4f %10.4f\n", r.tokens, r.p50, r.p99, r.mean);
    std::printf("(load %.1f ms, %.2f MB of weights, checksum %.3f)\n", load_ms,
                static_cast<double>(model.memory_bytes()) / 1e6, static_cast<double>(sink));
    return 0;
}
