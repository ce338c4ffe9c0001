// `parley tokenize`: the student's subword ids of each line, exactly as the
// browser and the server compute them (analysis text of the core, then the
// core's subword tokenizer). The training scripts call this instead of
// re-implementing the tokenizer in Python.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli.hpp"
#include "files.hpp"
#include "parley/config.hpp"
#include "parley/dialog.hpp"
#include "parley/subword.hpp"
#include "parley/text.hpp"

namespace parley {

int run_tokenize(const std::vector<std::string>& args) {
    std::string vocab_path, config_path;
    std::size_t max_ids = 128;
    bool pieces = false, raw = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--vocab" && i + 1 < args.size()) {
            vocab_path = args[++i];
        } else if (args[i] == "--config" && i + 1 < args.size()) {
            config_path = args[++i];
        } else if (args[i] == "--max" && i + 1 < args.size()) {
            max_ids = static_cast<std::size_t>(std::stoul(args[++i]));
        } else if (args[i] == "--pieces") {
            pieces = true;
        } else if (args[i] == "--normalize-only") {
            raw = true;
        } else {
            vocab_path.clear();
            break;
        }
    }
    if (vocab_path.empty() || max_ids < 2) {
        std::fputs(
            "usage: parley tokenize --vocab FILE [--config FILE] [--max N] [--pieces]\n"
            "                       [--normalize-only] < lines\n"
            "  each stdin line: {\"text\": S}; each stdout line: {\"ids\": [...]} (with\n"
            "  --pieces also \"pieces\"). Text goes through the core's analysis (normalize,\n"
            "  PII masking with the config's rules; the demo config by default) unless\n"
            "  --normalize-only, then <s> pieces </s>, at most N ids (default 128).\n",
            stderr);
        return 2;
    }
    subword_tokenizer tokenizer;
    std::optional<dialog_engine> engine;
    try {
        tokenizer = subword_tokenizer::from_vocab(read_file(vocab_path));
        if (!raw) {
            const std::string text =
                config_path.empty() ? std::string(demo_config_json()) : read_file(config_path);
            engine.emplace(parse_config(text));
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "parley tokenize: %s\n", e.what());
        return 1;
    }
    std::string line;
    while (std::getline(std::cin, line)) {
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.contains("text") || !j["text"].is_string()) {
            std::fprintf(stderr, "parley tokenize: a line without a string \"text\"\n");
            return 1;
        }
        const std::string input = j["text"].get<std::string>();
        const std::string text = engine ? engine->analysis_text(input) : normalize(input);
        const auto ids = tokenizer.encode(text, max_ids);
        nlohmann::json out{{"ids", ids}};
        if (pieces) {
            auto& list = out["pieces"] = nlohmann::json::array();
            for (const auto id : ids) list.push_back(tokenizer.piece(id));
        }
        const std::string dumped =
            out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        std::fwrite(dumped.data(), 1, dumped.size(), stdout);
        std::fputc('\n', stdout);
    }
    return 0;
}

}  // namespace parley
