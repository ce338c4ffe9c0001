// `parley chat`: the bot in a terminal, for merchants trying their config and
// for developers. Lines starting with '/' are commands (/help).
#include <cstdio>
#include <iostream>
#include <string>

#include "cli.hpp"
#include "files.hpp"
#include "parley/config.hpp"
#include "parley/dialog.hpp"
#include "student_model.hpp"

namespace parley {

namespace {

void print_reply(const reply& r) {
    if (r.kind == reply_kind::relay) {
        std::printf("(handed off: your message goes to the agent queue)\n");
        return;
    }
    std::printf("bot> %s\n", r.text.c_str());
    for (std::size_t i = 0; i < r.quick_replies.size(); ++i)
        std::printf("     [%zu] %s\n", i + 1, r.quick_replies[i].label.c_str());
    if (r.action) {
        std::printf("     (action %s:", r.action->name.c_str());
        for (const auto& [k, v] : r.action->params) std::printf(" %s=%s", k.c_str(), v.c_str());
        std::printf(" — the server performs it)\n");
    }
    if (r.kind == reply_kind::handoff)
        std::printf("     (handoff: %s — the server queues the conversation for an agent)\n",
                    std::string(handoff_reason_name(r.handoff)).c_str());
    std::fflush(stdout);
}

}  // namespace

int run_chat(const std::vector<std::string>& args) {
    std::string config_path, model_path, vocab_path;
    bool show_debug = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--config" && i + 1 < args.size())
            config_path = args[++i];
        else if (args[i] == "--model" && i + 1 < args.size())
            model_path = args[++i];
        else if (args[i] == "--vocab" && i + 1 < args.size())
            vocab_path = args[++i];
        else if (args[i] == "--debug")
            show_debug = true;
        else {
            std::fprintf(stderr,
                         "usage: parley chat [--config FILE] [--model FILE.onnx [--vocab FILE]] "
                         "[--debug]\n"
                         "  --model  fuse the student encoder's embeddings with BM25, as parley "
                         "serve does\n");
            return 2;
        }
    }
    config cfg;
    try {
        cfg = parse_config(config_path.empty() ? std::string(demo_config_json())
                                               : read_file(config_path));
    } catch (const config_error& e) {
        std::fprintf(stderr, "config error: %s\n", e.what());
        return 1;
    }
    dialog_engine engine(std::move(cfg));
    std::shared_ptr<const sentence_encoder> student;
    try {
        student = server::attach_student(engine, model_path, vocab_path);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "parley chat: %s\n", e.what());
        return 1;
    }
    session s;
    s.lang = engine.settings().shop.locale;
    std::printf("Parley chat — %s (%zu FAQs, %zu flows). /help for commands, Ctrl-D to quit.\n",
                engine.settings().shop.name.c_str(), engine.settings().faqs.size(),
                engine.settings().flows.size());
    print_reply(engine.greet(s));
    std::string line;
    while (true) {
        std::printf("you> ");
        std::fflush(stdout);
        if (!std::getline(std::cin, line)) break;
        if (line == "/quit" || line == "/exit") break;
        if (line == "/help") {
            std::printf(
                "/reset  new conversation\n/session  show the session JSON\n/debug  toggle "
                "details\n/quit\n");
            continue;
        }
        if (line == "/reset") {
            s = session{};
            s.lang = engine.settings().shop.locale;
            print_reply(engine.greet(s));
            continue;
        }
        if (line == "/session") {
            std::printf("%s\n", s.to_json().c_str());
            continue;
        }
        if (line == "/debug") {
            show_debug = !show_debug;
            continue;
        }
        // A bare number picks a quick reply, like a click in the widget.
        const reply r = server::respond_embedded(engine, student.get(), s, line);
        print_reply(r);
        if (show_debug) std::printf("     %s\n", r.to_json().c_str());
    }
    std::printf("\n");
    return 0;
}

}  // namespace parley
