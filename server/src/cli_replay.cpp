// `parley replay`: runs messages through the engine and prints every reply as
// JSON, one line each. It is the native reference the wasm build is compared
// against byte for byte (tests/wasm), so both builds are known to agree.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli.hpp"
#include "files.hpp"
#include "parley/config.hpp"
#include "parley/dialog.hpp"

namespace parley {

int run_replay(const std::vector<std::string>& args) {
    std::string config_path;
    bool one_conversation = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--config" && i + 1 < args.size()) {
            config_path = args[++i];
        } else if (args[i] == "--conversation") {
            one_conversation = true;
        } else {
            std::fputs(
                "usage: parley replay [--config FILE] [--conversation] < lines\n"
                "  each stdin line: {\"text\": S} (other keys ignored); each stdout line:\n"
                "  {\"reply\": <reply JSON>, \"session\": <session JSON>}. Without\n"
                "  --conversation every line starts a fresh session (greeted first).\n",
                stderr);
            return 2;
        }
    }
    const std::string text =
        config_path.empty() ? std::string(demo_config_json()) : read_file(config_path);
    config cfg;
    try {
        cfg = parse_config(text);
    } catch (const config_error& e) {
        std::fprintf(stderr, "config error: %s\n", e.what());
        return 1;
    }
    const dialog_engine engine(std::move(cfg));
    session s;
    engine.greet(s);
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line.empty()) continue;
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.contains("text") || !j["text"].is_string()) {
            std::fprintf(stderr, "parley replay: skipping a line without a string \"text\"\n");
            continue;
        }
        if (!one_conversation) {
            s = session{};
            engine.greet(s);
        }
        const reply r = engine.respond(s, j["text"].get<std::string>());
        std::printf("{\"reply\":%s,\"session\":%s}\n", r.to_json().c_str(),
                    nlohmann::json(s.to_json()).dump().c_str());
    }
    return 0;
}

}  // namespace parley
