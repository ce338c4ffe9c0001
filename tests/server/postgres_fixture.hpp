#pragma once
// A throwaway PostgreSQL cluster for tests: initdb into a fresh directory
// under /tmp, serve on 127.0.0.1 (a free port, unix socket inside that
// directory, trust auth), and at destruction stop it and delete everything.
//
//     auto* pg = parley::test::postgres_or_skip();  // nullptr: MESSAGE logged
//     if (!pg) return;
//     auto store = open_postgres_store(pg->create_database());
//
// Starting a cluster takes a second or two, so tests share one
// (postgres_fixture::shared()) and isolate themselves with create_database().
// Without PostgreSQL binaries the tests are skipped with a MESSAGE; set
// PARLEY_REQUIRE_POSTGRES=1 (CI) to make that a failure instead.
//
// As root (CI containers) initdb refuses to run, so the server programs run
// as the `postgres` user (created by Debian's postgresql package) through
// runuser, in a directory chown'ed to that user.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace parley::test {

class postgres_fixture {
  public:
    // Never throws: on failure available() is false and reason() says why.
    postgres_fixture() {
        try {
            start_cluster();
        } catch (const std::exception& e) {
            reason_ = e.what();
            cleanup();
        }
    }

    ~postgres_fixture() { cleanup(); }

    postgres_fixture(const postgres_fixture&) = delete;
    postgres_fixture& operator=(const postgres_fixture&) = delete;

    // One cluster for the whole test binary, stopped at exit.
    static postgres_fixture& shared() {
        static postgres_fixture instance;
        return instance;
    }

    bool available() const { return running_; }
    const std::string& reason() const { return reason_; }
    int port() const { return port_; }
    // postgresql://postgres@127.0.0.1:PORT/parley_test
    std::string url() const { return url_for("parley_test"); }
    std::string url_for(const std::string& database) const {
        return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
    }

    // A new empty database (parley_t1, parley_t2, …); returns its URL.
    std::string create_database() {
        static std::atomic<int> counter{0};
        const std::string name = "parley_t" + std::to_string(++counter);
        admin_exec("CREATE DATABASE " + name);
        return url_for(name);
    }

    // Stops the server (fast: connections are cut) and starts it again on
    // the same port: for tests of reconnecting clients.
    void restart() {
        pg_ctl({"-m", "fast", "-w", "stop"});
        start_server();
    }

  private:
    void start_cluster() {
        bindir_ = find_bindir();
        if (bindir_.empty()) {
            throw std::runtime_error(
                "no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin "
                "or $PARLEY_PG_BINDIR");
        }
        as_postgres_ = ::geteuid() == 0;
        uid_t uid = 0;
        gid_t gid = 0;
        if (as_postgres_) {
            const passwd* pw = ::getpwnam("postgres");
            if (!pw) throw std::runtime_error("running as root but there is no `postgres` user");
            uid = pw->pw_uid;
            gid = pw->pw_gid;
            runuser_ = std::filesystem::exists("/usr/sbin/runuser") ? "/usr/sbin/runuser"
                                                                    : "/sbin/runuser";
            if (!std::filesystem::exists(runuser_)) {
                throw std::runtime_error("running as root but runuser is missing");
            }
        }
        char tmpl[] = "/tmp/parley-pg-XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        dir_ = tmpl;
        if (as_postgres_ && ::chown(dir_.c_str(), uid, gid) != 0) {
            throw std::runtime_error("cannot chown " + dir_ + " to postgres");
        }
        ::chmod(dir_.c_str(), 0700);
        data_ = dir_ + "/data";
        log_ = dir_ + "/commands.log";

        if (run({bindir_ + "/initdb", "-D", data_, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--locale=C", "--no-sync"}) != 0) {
            throw std::runtime_error("initdb failed: " + tail(log_));
        }
        // Appended settings win over initdb's. Durability does not matter
        // for a throwaway cluster; speed does.
        {
            std::ofstream conf(data_ + "/postgresql.conf", std::ios::app);
            conf << "\nlisten_addresses = '127.0.0.1'\n"
                 << "unix_socket_directories = '" << dir_ << "'\n"
                 << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                 << "max_connections = 200\nshared_buffers = 32MB\n";
        }
        start_server();
        admin_exec("CREATE DATABASE parley_test");
    }

    void start_server() {
        // Another process may take the probed port before the server binds
        // it; try a few.
        for (int attempt = 0; attempt < 5; ++attempt) {
            if (port_ == 0 || attempt > 0) port_ = free_port();
            if (pg_ctl({"-l", dir_ + "/server.log", "-o", "-p " + std::to_string(port_), "-w", "-t",
                        "60", "start"}) == 0) {
                running_ = true;
                return;
            }
        }
        running_ = false;
        throw std::runtime_error("pg_ctl start failed: " + tail(dir_ + "/server.log") + "\n" +
                                 tail(log_));
    }

    void cleanup() {
        if (running_) pg_ctl({"-m", "immediate", "-w", "stop"});
        running_ = false;
        if (!dir_.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(dir_, ec);
            dir_.clear();
        }
    }

    int pg_ctl(std::vector<std::string> args) {
        std::vector<std::string> argv{bindir_ + "/pg_ctl", "-D", data_};
        argv.insert(argv.end(), args.begin(), args.end());
        return run(argv);
    }

    void admin_exec(const std::string& sql) {
        PGconn* c = PQconnectdb(url_for("postgres").c_str());
        if (PQstatus(c) != CONNECTION_OK) {
            std::string msg = PQerrorMessage(c);
            PQfinish(c);
            throw std::runtime_error("cannot connect to the test cluster: " + msg);
        }
        PGresult* r = PQexec(c, sql.c_str());
        const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        std::string msg = ok ? "" : PQresultErrorMessage(r);
        PQclear(r);
        PQfinish(c);
        if (!ok) throw std::runtime_error(sql + ": " + msg);
    }

    // Runs a program (no shell), output appended to log_; returns its exit
    // status. As root, through `runuser -u postgres --`.
    int run(const std::vector<std::string>& command) {
        std::vector<std::string> argv;
        if (as_postgres_) argv = {runuser_, "-u", "postgres", "--"};
        argv.insert(argv.end(), command.begin(), command.end());
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        const pid_t pid = ::fork();
        if (pid < 0) return -1;
        if (pid == 0) {
            // postgres may not be allowed into the test's working directory.
            if (::chdir(dir_.c_str()) != 0) ::_exit(126);
            const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) {
                ::dup2(fd, 1);
                ::dup2(fd, 2);
                ::close(fd);
            }
            const int devnull = ::open("/dev/null", O_RDONLY);
            if (devnull >= 0) ::dup2(devnull, 0);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0) {
            if (errno != EINTR) return -1;
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    static std::string find_bindir() {
        namespace fs = std::filesystem;
        auto usable = [](const fs::path& d) {
            return fs::exists(d / "initdb") && fs::exists(d / "pg_ctl") &&
                   fs::exists(d / "postgres");
        };
        if (const char* env = std::getenv("PARLEY_PG_BINDIR"); env && *env) {
            return usable(env) ? std::string(env) : std::string();
        }
        if (usable("/usr/lib/postgresql/15/bin")) return "/usr/lib/postgresql/15/bin";
        std::string best;
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
            const auto bin = entry.path() / "bin";
            if (usable(bin) && bin.string() > best) best = bin.string();
        }
        return best;
    }

    static int free_port() {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) throw std::runtime_error("socket() failed");
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        socklen_t len = sizeof addr;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            ::close(fd);
            throw std::runtime_error("cannot find a free port");
        }
        ::close(fd);
        return ntohs(addr.sin_port);
    }

    static std::string tail(const std::string& path) {
        std::ifstream in(path);
        std::stringstream ss;
        ss << in.rdbuf();
        std::string s = ss.str();
        return s.size() > 2000 ? s.substr(s.size() - 2000) : s;
    }

    std::string bindir_;
    std::string runuser_;
    bool as_postgres_ = false;
    std::string dir_;
    std::string data_;
    std::string log_;
    int port_ = 0;
    bool running_ = false;
    std::string reason_;
};

// The shared cluster, or nullptr after a MESSAGE saying why the calling test
// skips its PostgreSQL part. With PARLEY_REQUIRE_POSTGRES=1 it fails instead.
inline postgres_fixture* postgres_or_skip() {
    auto& pg = postgres_fixture::shared();
    if (pg.available()) return &pg;
    const char* require = std::getenv("PARLEY_REQUIRE_POSTGRES");
    if (require && std::string(require) == "1") {
        FAIL("PostgreSQL is required (PARLEY_REQUIRE_POSTGRES=1) but unavailable: " << pg.reason());
    }
    MESSAGE("PostgreSQL test skipped: " << pg.reason());
    return nullptr;
}

}  // namespace parley::test
