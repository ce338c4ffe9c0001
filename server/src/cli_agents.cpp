// `parley agents add|list`: accounts for the console and the admin page of a
// real deployment (the demo shop seeds its own). The password is read from
// stdin so it never shows in `ps` or shell history.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "auth.hpp"
#include "cli.hpp"
#include "frames.hpp"
#include "store.hpp"

namespace parley {

using namespace parley::server;

namespace {
constexpr const char* agents_usage =
    "usage: parley agents add --email E --name N [--role agent|admin] [--data DIR | --db URL]\n"
    "                         (password on stdin)\n"
    "       parley agents list [--data DIR | --db URL]\n";
}

int run_agents(const std::vector<std::string>& args) {
    if (args.empty()) {
        std::fputs(agents_usage, stderr);
        return 2;
    }
    const std::string action = args[0];
    std::string email, name, role = "agent", data = "./parley-data", db_url;
    for (std::size_t i = 1; i < args.size(); ++i) {
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size()) throw std::invalid_argument(args[i] + " needs a value");
            return args[++i];
        };
        const std::string& a = args[i];
        if (a == "--email")
            email = value();
        else if (a == "--name")
            name = value();
        else if (a == "--role")
            role = value();
        else if (a == "--data")
            data = value();
        else if (a == "--db")
            db_url = value();
        else {
            std::fprintf(stderr, "parley agents: unknown option '%s'\n%s", a.c_str(), agents_usage);
            return 2;
        }
    }
    auto db = db_url.empty() ? open_sqlite_store(data) : open_postgres_store(db_url);
    if (action == "list") {
        for (const auto& a : db->list_agents())
            std::printf("%s\t%s\t%s\n", a.email.c_str(),
                        a.role == agent_role::admin ? "admin" : "agent", a.name.c_str());
        return 0;
    }
    if (action != "add") {
        std::fputs(agents_usage, stderr);
        return 2;
    }
    if (email.empty() || email.find('@') == std::string::npos || name.empty() ||
        (role != "agent" && role != "admin")) {
        std::fputs(agents_usage, stderr);
        return 2;
    }
    std::string password;
    std::getline(std::cin, password);
    if (password.size() < 8) {
        std::fputs("parley agents: the password (stdin) needs at least 8 characters\n", stderr);
        return 2;
    }
    std::transform(email.begin(), email.end(), email.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (db->find_agent_by_email(email)) {
        std::fprintf(stderr, "parley agents: %s already exists\n", email.c_str());
        return 1;
    }
    agent_record r;
    r.email = email;
    r.name = name;
    r.role = role == "admin" ? agent_role::admin : agent_role::agent;
    r.password_hash = hash_password(password);
    r.created_at = now_ms();
    db->ensure_agent(r);
    std::printf("added %s %s\n", role.c_str(), email.c_str());
    return 0;
}

}  // namespace parley
