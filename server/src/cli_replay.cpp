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
#include "student_model.hpp"

namespace parley {

int run_replay(const std::vector<std::string>& args) {
    std::string config_path, model_path, vocab_path;
    bool one_conversation = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--config" && i + 1 < args.size()) {
            config_path = args[++i];
        } else if (args[i] == "--model" && i + 1 < args.size()) {
            model_path = args[++i];
        } else if (args[i] == "--vocab" && i + 1 < args.size()) {
            vocab_path = args[++i];
        } else if (args[i] == "--conversation") {
            one_conversation = true;
        } else {
            std::fputs(
                "usage: parley replay [--config FILE] [--model FILE.onnx [--vocab FILE]]\n"
                "                     [--conversation] < lines\n"
                "  each stdin line: {\"text\": S} (other keys ignored); each stdout line:\n"
                "  {\"reply\": <reply JSON>, \"session\": <session JSON>}. Without\n"
                "  --conversation every line starts a fresh session (greeted first).\n"
                "  --model fuses the student encoder's embeddings with BM25, as parley\n"
                "  serve does (vocabulary: the model path with .vocab unless --vocab).\n",
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
    dialog_engine engine(std::move(cfg));
    std::shared_ptr<const sentence_encoder> student;
    try {
        student = server::attach_student(engine, model_path, vocab_path);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "parley replay: %s\n", e.what());
        return 1;
    }
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
        const reply r =
            server::respond_embedded(engine, student.get(), s, j["text"].get<std::string>());
        std::printf("{\"reply\":%s,\"session\":%s}\n", r.to_json().c_str(),
                    nlohmann::json(s.to_json()).dump().c_str());
    }
    return 0;
}

}  // namespace parley
