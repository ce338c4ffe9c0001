// `parley embed`: runs the core's student encoder (core/src/encoder.cpp) over
// token ids read as JSON lines, to compare it with ONNX Runtime or PyTorch and
// to time it. One output line per input line, in order.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli.hpp"
#include "files.hpp"
#include "parley/encoder.hpp"

namespace parley {

namespace {

// Parses {"ids":[...]} into ids; returns an error text, empty when fine.
std::string parse_ids(const std::string& line, std::vector<std::int32_t>& ids) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return "not a JSON object";
    const auto it = j.find("ids");
    if (it == j.end() || !it->is_array()) return "no \"ids\" array";
    ids.clear();
    for (const auto& id : *it) {
        if (!id.is_number_integer()) return "\"ids\" must hold integers";
        const auto v = id.get<std::int64_t>();
        if (v < INT32_MIN || v > INT32_MAX) return "id " + std::to_string(v) + " is out of range";
        ids.push_back(static_cast<std::int32_t>(v));
    }
    return {};
}

// %.9g round-trips a float exactly (nlohmann would print it as a double);
// a non-finite value (only from a corrupted model) becomes null, as JSON has
// no NaN.
void append_float(std::string& out, float value) {
    if (!std::isfinite(value)) {
        out += "null";
        return;
    }
    char number[32];
    std::snprintf(number, sizeof number, "%.9g", static_cast<double>(value));
    out += number;
}

}  // namespace

int run_embed(const std::vector<std::string>& args) {
    std::string model_path;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--model" && i + 1 < args.size()) {
            model_path = args[++i];
        } else {
            model_path.clear();
            break;
        }
    }
    if (model_path.empty()) {
        std::fputs(
            "usage: parley embed --model FILE.onnx < lines\n"
            "  each stdin line: {\"ids\": [token ids]}; each stdout line:\n"
            "  {\"embedding\": [floats], \"frustration\": p, \"ms\": t}, or {\"error\": S}\n"
            "  for a bad line (then the exit status is 1). Sequences longer than the\n"
            "  model's max_positions keep their first ids and their last one.\n",
            stderr);
        return 2;
    }
    const std::string bytes = read_file(model_path);
    std::optional<encoder> model;
    try {
        model = encoder::load(
            std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "parley embed: %s: %s\n", model_path.c_str(), e.what());
        return 1;
    }

    bool any_error = false;
    std::vector<std::int32_t> ids;
    std::string line, out;
    while (std::getline(std::cin, line)) {
        if (line.empty()) continue;
        std::string error = parse_ids(line, ids);
        embedding_result r;
        double ms = 0;
        if (error.empty()) {
            try {
                const auto t0 = std::chrono::steady_clock::now();
                r = model->embed(ids);
                ms =
                    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                        .count();
            } catch (const std::invalid_argument& e) {
                error = e.what();
            }
        }
        if (!error.empty()) {
            any_error = true;
            std::fprintf(stderr, "parley embed: %s\n", error.c_str());
            std::printf("%s\n", nlohmann::json{{"error", error}}.dump().c_str());
            continue;
        }
        out = "{\"embedding\":[";
        for (std::size_t i = 0; i < r.embedding.size(); ++i) {
            if (i) out += ',';
            append_float(out, r.embedding[i]);
        }
        out += "],\"frustration\":";
        append_float(out, r.frustration);
        char number[32];
        std::snprintf(number, sizeof number, "%.4f", ms);
        out += ",\"ms\":";
        out += number;
        out += "}";
        std::printf("%s\n", out.c_str());
    }
    return any_error ? 1 : 0;
}

}  // namespace parley
