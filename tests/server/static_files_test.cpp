#include "static_files.hpp"

#include <doctest/doctest.h>
#include <zlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

using namespace parley::server;
namespace fs = std::filesystem;

namespace {

// A scratch directory removed at scope exit.
struct temp_dir {
    fs::path path;
    temp_dir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("parley-static-" + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    void write(const std::string& rel, const std::string& data) const {
        const fs::path p = path / rel;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << data;
    }
};

std::string repetitive_html() {
    std::string s = "<!doctype html><title>Shop</title>";
    for (int i = 0; i < 200; ++i)
        s += "<p class=\"item\">Product " + std::to_string(i % 7) + "</p>\n";
    return s;
}

}  // namespace

TEST_CASE("MIME types by extension") {
    CHECK(mime_type_for("/index.html") == "text/html; charset=utf-8");
    CHECK(mime_type_for("/a/widget.JS") == "text/javascript; charset=utf-8");
    CHECK(mime_type_for("/w.mjs") == "text/javascript; charset=utf-8");
    CHECK(mime_type_for("/s.css") == "text/css; charset=utf-8");
    CHECK(mime_type_for("/c.json") == "application/json; charset=utf-8");
    CHECK(mime_type_for("/w.js.map") == "application/json; charset=utf-8");
    CHECK(mime_type_for("/i.svg") == "image/svg+xml; charset=utf-8");
    CHECK(mime_type_for("/i.png") == "image/png");
    CHECK(mime_type_for("/favicon.ico") == "image/x-icon");
    CHECK(mime_type_for("/ort.wasm") == "application/wasm");
    CHECK(mime_type_for("/models/student.onnx") == "application/octet-stream");
    CHECK(mime_type_for("/f.woff2") == "font/woff2");
    CHECK(mime_type_for("/robots.txt") == "text/plain; charset=utf-8");
    CHECK(mime_type_for("/LICENSE") == "application/octet-stream");
    CHECK(mime_type_for("/.hidden") == "application/octet-stream");
}

TEST_CASE("content-hashed names") {
    CHECK(is_content_hashed("/widget-K5ZQ2M7A.js"));           // esbuild [name]-[hash]
    CHECK(is_content_hashed("/assets/app.3f2a9c1d.css"));      // webpack hex
    CHECK(is_content_hashed("/ort-wasm-simd-AB12CD34.wasm"));  // dashes in the name
    CHECK(is_content_hashed("/index-BxK3aZ9q.js"));            // mixed case
    CHECK(is_content_hashed("/app.3f2a9c1d.min.js"));
    CHECK_FALSE(is_content_hashed("/widget.js"));
    CHECK_FALSE(is_content_hashed("/index.html"));
    CHECK_FALSE(is_content_hashed("/jquery-3.6.0.min.js"));
    CHECK_FALSE(is_content_hashed("/app.abcdefab.js"));  // no digit
    CHECK_FALSE(is_content_hashed("/chunk-ABC123.js"));  // too short
    CHECK_FALSE(is_content_hashed("/bootstrap-v5point3.css"));
    CHECK_FALSE(is_content_hashed("/3f2a9c1d7e.js"));  // the name itself is not a hash part
}

TEST_CASE("percent decoding is strict") {
    std::string out;
    CHECK(percent_decode("/a%20b", out));
    CHECK(out == "/a b");
    CHECK(percent_decode("/%E4%BD%A0", out));
    CHECK(out == "/\xE4\xBD\xA0");
    CHECK(percent_decode("/a+b", out));
    CHECK(out == "/a+b");
    CHECK_FALSE(percent_decode("/a%2", out));
    CHECK_FALSE(percent_decode("/a%zz", out));
    CHECK_FALSE(percent_decode("%", out));
}

TEST_CASE("gzip round-trips through zlib inflate") {
    const std::string text = repetitive_html();
    const std::string z = gzip_compress(text);
    REQUIRE(z.size() > 18);
    CHECK(static_cast<unsigned char>(z[0]) == 0x1f);
    CHECK(static_cast<unsigned char>(z[1]) == 0x8b);
    CHECK(z.size() < text.size() / 4);
    CHECK(gunzip(z) == text);
    CHECK(gunzip(gzip_compress("")) == "");
    CHECK(gzip_compress(text) == z);  // reproducible (mtime 0)
}

TEST_CASE("zopfli gzip inflates to the input and beats zlib") {
    const std::string text = repetitive_html();
    const std::string z = zopfli_gzip(text);
    CHECK(gunzip(z) == text);
    CHECK(z.size() < gzip_compress(text).size());
    CHECK(gunzip(zopfli_gzip("")) == "");
}

TEST_CASE("gunzip refuses what is not one whole gzip member") {
    const std::string z = gzip_compress(repetitive_html());
    CHECK_FALSE(gunzip("not gzip"));
    CHECK_FALSE(gunzip(z.substr(0, z.size() / 2)));  // truncated
    CHECK_FALSE(gunzip(z + "trailing"));
}

TEST_CASE("If-None-Match evaluation") {
    const std::string etag = "\"abc123\"";
    CHECK(etag_matches("\"abc123\"", etag));
    CHECK(etag_matches("W/\"abc123\"", etag));  // weak comparison
    CHECK(etag_matches("\"x\", \"abc123\"", etag));
    CHECK(etag_matches("\"x\",W/\"abc123\" ", etag));
    CHECK(etag_matches("*", etag));
    CHECK(etag_matches(" * ", etag));
    CHECK(etag_matches("\"abc123\"", "W/\"abc123\""));
    CHECK_FALSE(etag_matches("", etag));
    CHECK_FALSE(etag_matches("\"abc12\"", etag));
    CHECK_FALSE(etag_matches("\"abc123", etag));    // unterminated
    CHECK_FALSE(etag_matches("\"a,b\"", "\"a\""));  // a comma inside a tag
    CHECK(etag_matches("\"a,b\"", "\"a,b\""));
    CHECK(etag_matches("abc123", etag));  // lenient about missing quotes
}

TEST_CASE("Accept-Encoding gzip detection") {
    CHECK(accepts_gzip("gzip, deflate, br"));
    CHECK(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
    CHECK(accepts_gzip("x-gzip"));
    CHECK(accepts_gzip("*"));
    CHECK_FALSE(accepts_gzip(""));
    CHECK_FALSE(accepts_gzip("identity"));
    CHECK_FALSE(accepts_gzip("br, deflate"));
    CHECK_FALSE(accepts_gzip("gzip;q=0"));
    CHECK_FALSE(accepts_gzip("gzip; q=0.000"));
    CHECK_FALSE(accepts_gzip("gzip;q=0, *"));  // explicit refusal beats the wildcard
    CHECK_FALSE(accepts_gzip("*;q=0"));
    CHECK(accepts_gzip("gzip;q=0.001"));
    CHECK(accepts_gzip("deflate, gzip ; q = 0.8"));
}

TEST_CASE("a directory loads with types, ETags, gzip variants and cache policy") {
    temp_dir dir;
    const std::string html = repetitive_html();
    dir.write("index.html", html);
    dir.write("widget-K5ZQ2M7A.js", "console.log('hashed');" + std::string(400, ' '));
    dir.write("console/index.html", "<h1>console</h1>");
    dir.write("models/student.onnx", std::string("\x08\x07onnx", 6));
    dir.write(".env", "SECRET=1");
    dir.write(".git/config", "[core]");
    dir.write("img/logo.png", std::string(1000, 'x'));

    static_files files(dir.path);
    CHECK(files.size() == 5);
    CHECK(files.paths() == std::vector<std::string>{"/console/index.html", "/img/logo.png",
                                                    "/index.html", "/models/student.onnx",
                                                    "/widget-K5ZQ2M7A.js"});

    const auto index = files.find("/");
    REQUIRE(index);
    CHECK(index->path == "/index.html");
    CHECK(index->body == html);
    CHECK(index->content_type == "text/html; charset=utf-8");
    CHECK(index->cache_control == "no-cache");
    CHECK(index->etag.size() == 34);
    CHECK(index->etag.front() == '"');
    CHECK(index->etag.back() == '"');
    CHECK(index->gzip_etag != index->etag);
    REQUIRE_FALSE(index->gzip.empty());
    CHECK(gunzip(index->gzip) == html);
    CHECK(files.find("/index.html") == index);
    CHECK(files.find("/index.html?utm=1#x") == index);

    const auto widget = files.find("/widget-K5ZQ2M7A.js");
    REQUIRE(widget);
    CHECK(widget->cache_control == "public, max-age=31536000, immutable");
    CHECK(widget->content_type == "text/javascript; charset=utf-8");

    // Tiny or already-compressed files keep no gzip variant.
    CHECK(files.find("/models/student.onnx")->gzip.empty());
    CHECK(files.find("/img/logo.png")->gzip.empty());
    CHECK(files.find("/console/index.html")->gzip.empty());

    // Directories resolve to their index.html.
    CHECK(files.find("/console") == files.find("/console/index.html"));
    CHECK(files.find("/console/") == files.find("/console/index.html"));
    CHECK(files.find("/console/")->body == "<h1>console</h1>");
    CHECK_FALSE(files.find("/models/"));

    // Same bytes, same ETag; different bytes, different ETag.
    CHECK(files.find("/index.html")->etag != files.find("/console")->etag);
    CHECK_FALSE(files.find("/.env"));
    CHECK_FALSE(files.find("/.git/config"));
    CHECK_FALSE(files.find("/missing.js"));
}

TEST_CASE("hostile paths are refused") {
    temp_dir dir;
    dir.write("www/index.html", "<p>hi</p>");
    dir.write("www/a b.txt", "space");
    dir.write("secret.txt", "outside the root");
    static_files files(dir.path / "www");

    CHECK(files.find("/a%20b.txt"));
    CHECK(files.find("//a%20b.txt"));   // empty segments collapse
    CHECK(files.find("/./a%20b.txt"));  // "." segments vanish
    CHECK_FALSE(files.find("/../secret.txt"));
    CHECK_FALSE(files.find("/../etc/passwd"));
    CHECK_FALSE(files.find("/%2e%2e/secret.txt"));
    CHECK_FALSE(files.find("/%2E%2E/secret.txt"));
    CHECK_FALSE(files.find("/x/%2e%2e/index.html"));
    CHECK_FALSE(files.find("/..%2fsecret.txt"));
    CHECK_FALSE(files.find("/%2e%2e%2fsecret.txt"));
    CHECK_FALSE(files.find("/..\\secret.txt"));
    CHECK_FALSE(files.find("/%5c..%5csecret.txt"));
    CHECK_FALSE(files.find("/index.html%00.png"));
    CHECK_FALSE(files.find(std::string_view("/index.html\0", 12)));
    CHECK_FALSE(files.find("/%zz"));
    CHECK_FALSE(files.find("index.html"));  // not origin-form
    CHECK_FALSE(files.find(""));
    CHECK_FALSE(files.find("/%252e%252e/secret.txt"));  // decoded once only: a literal name
}

TEST_CASE("symlinks escaping the root are refused, inner ones are served") {
    temp_dir dir;
    dir.write("www/index.html", "<p>hi</p>");
    dir.write("www/sub/page.html", "<p>page</p>");
    dir.write("outside/secret.txt", "secret");
    fs::create_symlink(dir.path / "outside/secret.txt", dir.path / "www/leak.txt");
    fs::create_directory_symlink(dir.path / "outside", dir.path / "www/leakdir");
    fs::create_symlink(dir.path / "www/sub/page.html", dir.path / "www/alias.html");
    fs::create_directory_symlink(dir.path / "www", dir.path / "www/sub/loop");  // a cycle
    static_files files(dir.path / "www");
    CHECK_FALSE(files.find("/leak.txt"));
    CHECK_FALSE(files.find("/leakdir/secret.txt"));
    REQUIRE(files.find("/alias.html"));
    CHECK(files.find("/alias.html")->body == "<p>page</p>");
    const auto refused = files.refused();
    CHECK(refused == std::vector<std::string>{"/leak.txt", "/leakdir"});
    CHECK(files.size() == 3);  // index, sub/page, alias; the loop is not followed
}

TEST_CASE("reload swaps snapshots while readers keep theirs") {
    temp_dir dir;
    dir.write("index.html", "v1");
    static_files files(dir.path);
    const auto old = files.find("/");
    REQUIRE(old);
    dir.write("index.html", "version 2");
    dir.write("new.js", "x");

    std::atomic<bool> stop{false};
    std::atomic<int> misses{0};
    std::thread reader([&] {
        while (!stop) {
            const auto f = files.find("/index.html");
            if (!f || (f->body != "v1" && f->body != "version 2")) ++misses;
        }
    });
    for (int i = 0; i < 20; ++i) files.reload();
    stop = true;
    reader.join();
    CHECK(misses == 0);
    CHECK(old->body == "v1");  // still alive through its snapshot
    CHECK(files.find("/")->body == "version 2");
    CHECK(files.find("/")->etag != old->etag);
    CHECK(files.find("/new.js"));

    CHECK_THROWS_AS(files.reload(dir.path / "nope"), std::runtime_error);
    CHECK(files.find("/new.js"));  // the failed reload kept the old snapshot
    CHECK_THROWS_AS(static_files(dir.path / "nope"), std::runtime_error);
    static_files empty;
    CHECK_FALSE(empty.find("/"));
}

TEST_CASE("a name.gz beside a file is its gzip variant when it inflates to it") {
    temp_dir dir;
    const std::string html = repetitive_html();
    const std::string js = "console.log('app');" + std::string(2000, ' ') + "//end";
    const std::string zopfli = zopfli_gzip(html);
    dir.write("index.html", html);
    dir.write("index.html.gz", zopfli);
    dir.write("app-K5ZQ2M7A.js", js);
    dir.write("app-K5ZQ2M7A.js.gz", gzip_compress("an older build"));  // stale: ignored
    dir.write("model-K5ZQ2M7A.onnx.gz", gzip_compress("weights"));     // no sibling: a file
    static_files files(dir.path);
    CHECK(files.paths() ==
          std::vector<std::string>{"/app-K5ZQ2M7A.js", "/index.html", "/model-K5ZQ2M7A.onnx.gz"});
    CHECK(files.find("/index.html")->gzip == zopfli);
    CHECK_FALSE(files.find("/index.html.gz"));
    const auto app = files.find("/app-K5ZQ2M7A.js");
    CHECK(gunzip(app->gzip) == js);
    CHECK(app->gzip == gzip_compress(js));
}
