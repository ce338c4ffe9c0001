// `parley eval`: replays labelled cases through the same engine the shopper
// talks to, one fresh session per case, and prints the DESIGN.md contract
// metrics; the last line is one JSON object.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli.hpp"
#include "files.hpp"
#include "parley/config.hpp"
#include "parley/dialog.hpp"

namespace parley {

namespace {

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const double rank = p * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(rank);
    const auto hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

}  // namespace

int run_eval(const std::vector<std::string>& args) {
    std::string config_path, cases_path;
    bool json_only = false;
    double threshold = -1, clarify_margin = -1;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--config" && i + 1 < args.size())
            config_path = args[++i];
        else if (args[i] == "--cases" && i + 1 < args.size())
            cases_path = args[++i];
        else if (args[i] == "--json")
            json_only = true;
        else if (args[i] == "--threshold" && i + 1 < args.size())
            threshold = std::stod(args[++i]);
        else if (args[i] == "--clarify-margin" && i + 1 < args.size())
            clarify_margin = std::stod(args[++i]);
        else
            config_path.clear(), cases_path.clear(), i = args.size();
    }
    if (config_path.empty() || cases_path.empty()) {
        std::fprintf(stderr,
                     "usage: parley eval --config FILE --cases FILE [--json] [--threshold T] "
                     "[--clarify-margin M]\n");
        return 2;
    }
    config cfg;
    try {
        cfg = parse_config(read_file(config_path));
    } catch (const config_error& e) {
        std::fprintf(stderr, "config error in %s: %s\n", config_path.c_str(), e.what());
        return 1;
    }
    if (threshold >= 0) cfg.handoff.confidence_threshold = threshold;
    if (clarify_margin >= 0) cfg.handoff.clarify_margin = clarify_margin;
    // Handoff on repeated fallbacks would hide what the bot decided; each case is one turn anyway.
    const auto build_start = std::chrono::steady_clock::now();
    const dialog_engine engine(std::move(cfg));
    const double build_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - build_start)
            .count();

    std::istringstream lines(read_file(cases_path));
    std::string line;
    std::size_t cases = 0, in_scope = 0, in_scope_right = 0, oos = 0, oos_fallback = 0,
                fallbacks = 0, clarify = 0, line_no = 0;
    std::vector<double> latencies;
    while (std::getline(lines, line)) {
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        nlohmann::json c;
        try {
            c = nlohmann::json::parse(line);
        } catch (const nlohmann::json::parse_error& e) {
            std::fprintf(stderr, "%s:%zu: invalid JSON: %s\n", cases_path.c_str(), line_no,
                         e.what());
            return 1;
        }
        if (!c.is_object() || !c.contains("text") || !c["text"].is_string() ||
            !c.contains("expect") || !(c["expect"].is_string() || c["expect"].is_null())) {
            std::fprintf(stderr,
                         "%s:%zu: expected {\"text\": string, \"expect\": string or null}\n",
                         cases_path.c_str(), line_no);
            return 1;
        }
        const std::string text = c["text"].get<std::string>();
        const bool expect_oos = c["expect"].is_null();
        session s;
        s.lang = engine.settings().shop.locale;
        const auto t0 = std::chrono::steady_clock::now();
        const reply r = engine.respond(s, text);
        latencies.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
        const bool fell_back = r.kind == reply_kind::fallback || r.kind == reply_kind::handoff;
        ++cases;
        fallbacks += fell_back;
        clarify += r.kind == reply_kind::clarify;
        if (expect_oos) {
            ++oos;
            oos_fallback += fell_back;
        } else {
            ++in_scope;
            in_scope_right +=
                r.kind == reply_kind::answer && r.item_id == c["expect"].get<std::string>();
        }
    }
    auto ratio = [](std::size_t a, std::size_t b) {
        return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
    };
    nlohmann::json out;
    out["cases"] = cases;
    out["in_scope_top1"] = ratio(in_scope_right, in_scope);
    out["oos_recall"] = ratio(oos_fallback, oos);
    out["oos_precision"] = ratio(oos_fallback, fallbacks);
    out["p50_ms"] = percentile(latencies, 0.50);
    out["p99_ms"] = percentile(latencies, 0.99);
    out["in_scope"] = in_scope;
    out["oos"] = oos;
    out["fallbacks"] = fallbacks;
    out["clarify"] = clarify;
    out["threshold"] = engine.settings().handoff.confidence_threshold;
    out["index_build_ms"] = build_ms;
    if (!json_only) {
        std::printf(
            "config     %s (%zu FAQs)\ncases      %s (%zu: %zu in scope, %zu out of scope)\n",
            config_path.c_str(), engine.settings().faqs.size(), cases_path.c_str(), cases, in_scope,
            oos);
        std::printf(
            "in scope   top-1 %.4f\nout/scope  recall %.4f, precision %.4f\nclarify    %zu\n",
            ratio(in_scope_right, in_scope), ratio(oos_fallback, oos),
            ratio(oos_fallback, fallbacks), clarify);
        std::printf("latency    p50 %.3f ms, p99 %.3f ms (index build %.1f ms, excluded)\n",
                    percentile(latencies, 0.5), percentile(latencies, 0.99), build_ms);
    }
    std::printf("%s\n", out.dump().c_str());
    return 0;
}

}  // namespace parley
