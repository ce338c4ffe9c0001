#pragma once
// Starts the real `parley serve` binary on 127.0.0.1 (port 0: the kernel
// picks a free one) for end-to-end tests, reads the URL it prints, and stops
// it with SIGTERM (graceful) or SIGKILL (crash).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace parley::test {

class temp_dir {
  public:
    temp_dir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "parley-test-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

class serve_process {
  public:
    // `extra` are more flags (e.g. --config F, --db URL).
    serve_process(std::filesystem::path data_dir, std::vector<std::string> extra = {})
        : data_dir_(std::move(data_dir)), extra_(std::move(extra)) {
        start();
    }
    ~serve_process() { kill_now(); }

    void start() {
        int out[2];
        if (pipe(out) != 0) throw std::runtime_error("pipe failed");
        const std::string log = (data_dir_ / "server.log").string();
        std::filesystem::create_directories(data_dir_);
        pid_ = fork();
        if (pid_ == 0) {
            dup2(out[1], STDOUT_FILENO);
            int err = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (err >= 0) dup2(err, STDERR_FILENO);
            close(out[0]);
            std::vector<std::string> args = {PARLEY_BINARY, "serve",  "--port",
                                             "0",           "--data", (data_dir_ / "db").string()};
            args.insert(args.end(), extra_.begin(), extra_.end());
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(PARLEY_BINARY, argv.data());
            _exit(127);
        }
        close(out[1]);
        // The first stdout line names the URL: "... on http://127.0.0.1:PORT/ ...".
        std::string line;
        char c;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (std::chrono::steady_clock::now() < deadline) {
            const auto n = read(out[0], &c, 1);
            if (n <= 0) break;
            if (c == '\n') {
                if (line.find("http://") != std::string::npos) break;
                line.clear();
            } else {
                line += c;
            }
        }
        stdout_fd_ = out[0];
        const auto at = line.find("http://127.0.0.1:");
        if (at == std::string::npos)
            throw std::runtime_error("parley serve did not start; first line: '" + line + "'");
        port_ = static_cast<unsigned short>(std::stoi(line.substr(at + 17)));
        banner_ = line;
    }

    unsigned short port() const { return port_; }
    const std::string& banner() const { return banner_; }

    // Graceful stop; returns the exit status.
    int terminate() {
        if (pid_ <= 0) return -1;
        ::kill(pid_, SIGTERM);
        return reap();
    }
    // A crash: no chance to flush anything.
    void kill_now() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        reap();
    }
    bool running() const { return pid_ > 0 && ::kill(pid_, 0) == 0; }

  private:
    int reap() {
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
        if (stdout_fd_ >= 0) close(stdout_fd_);
        stdout_fd_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

    std::filesystem::path data_dir_;
    std::vector<std::string> extra_;
    pid_t pid_ = -1;
    int stdout_fd_ = -1;
    unsigned short port_ = 0;
    std::string banner_;
};

}  // namespace parley::test
