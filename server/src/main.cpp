// parley: one binary, several front ends over the same core.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli.hpp"

namespace {

constexpr const char* usage =
    "usage: parley <command> [options]\n"
    "\n"
    "commands:\n"
    "  chat  [--config FILE]                          talk to the bot in a terminal (default: demo "
    "shop)\n"
    "  eval  --config FILE --cases FILE [--json] [--threshold T] [--clarify-margin M]\n"
    "        [--model FILE.onnx | --embed-url URL [--embed-model NAME] [--embed-batch N]]\n"
    "                                                 replay labelled cases, print accuracy and "
    "latency\n"
    "  serve [--config FILE] [--host H] [--port P] [--data DIR] [--db URL] [--www DIR]\n"
    "        [--model FILE.onnx | --no-model] [--rerank-url URL [--rerank-model NAME]]\n"
    "                                                 the shop server (HTTP, WebSockets, agent "
    "console)\n"
    "  agents add --email E --name N [--role agent|admin] [--data DIR|--db URL]  (password on "
    "stdin)\n"
    "  agents list [--data DIR|--db URL]\n"
    "  replay [--config FILE] [--conversation]       messages (JSON lines on stdin) → replies "
    "as JSON lines\n"
    "  tokenize --vocab FILE [--config FILE] [--max N] [--pieces]\n"
    "                                                 the student encoder's subword ids of each "
    "line\n"
    "  embed --model FILE                            token ids (JSON lines on stdin) → "
    "embedding, frustration\n";

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs(usage, stderr);
        return 2;
    }
    const std::string command = argv[1];
    const std::vector<std::string> args(argv + 2, argv + argc);
    try {
        if (command == "chat") return parley::run_chat(args);
        if (command == "eval") return parley::run_eval(args);
        if (command == "serve") return parley::run_serve(args);
        if (command == "agents") return parley::run_agents(args);
        if (command == "replay") return parley::run_replay(args);
        if (command == "tokenize") return parley::run_tokenize(args);
        if (command == "embed") return parley::run_embed(args);
        if (command == "-h" || command == "--help" || command == "help") {
            std::fputs(usage, stdout);
            return 0;
        }
        std::fprintf(stderr, "parley: unknown command '%s'\n\n%s", command.c_str(), usage);
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "parley %s: %s\n", command.c_str(), e.what());
        return 1;
    }
}
