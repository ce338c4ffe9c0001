#pragma once
#include <string>
#include <vector>

namespace parley {

// Each subcommand takes its arguments (after the subcommand name) and returns
// the process exit code: 0 ok, 1 runtime failure, 2 usage error.
int run_chat(const std::vector<std::string>& args);
int run_eval(const std::vector<std::string>& args);
int run_serve(const std::vector<std::string>& args);
int run_agents(const std::vector<std::string>& args);
int run_replay(const std::vector<std::string>& args);
int run_tokenize(const std::vector<std::string>& args);
int run_embed(const std::vector<std::string>& args);

}  // namespace parley
