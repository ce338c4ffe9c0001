#pragma once
// The built web assets (widget, demo shop, admin page, agent console, model
// files) held in memory with everything a response needs precomputed: MIME
// type, strong ETag, a gzip variant when it pays, and a Cache-Control that
// lets browsers keep content-hashed names forever and revalidate the rest.
//
// A reload (the admin republishing the widget) builds a whole new snapshot
// and swaps it in; a reader keeps the snapshot it looked up alive through
// the shared_ptr find() returns, so a response being written is never torn.
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::server {

struct static_file {
    std::string path;          // URL path, "/console/index.html"
    std::string body;          // the bytes as on disk
    std::string gzip;          // gzip of body (a verified `name.gz` beside it, else zlib -9);
                               // empty when it saved < ~10%
    std::string content_type;  // "text/html; charset=utf-8"
    std::string etag;          // strong, quoted: "\"<32 hex of sha256>\""
    std::string gzip_etag;     // ETag of the gzip representation (differs, as RFC 9110 wants)
    std::string brotli;        // brotli (quality 11) of body; empty when it saved < ~10%
    std::string brotli_etag;
    std::string cache_control;  // "public, max-age=31536000, immutable" or "no-cache"
    bool immutable = false;     // content-hashed name
};

class static_files {
  public:
    // An empty set (find() always misses) until reload() or the other ctor.
    static_files() = default;
    // Loads `root` recursively; throws std::runtime_error when it is not a
    // readable directory.
    explicit static_files(std::filesystem::path root);

    // Re-reads the root given at construction (or `root` when given). All or
    // nothing: on an error it throws and the old snapshot stays.
    void reload();
    void reload(std::filesystem::path root);

    // The file for a request target's path (a query string is ignored):
    // percent-decoded; "/" and "/dir/" mean index.html; "/console" falls back
    // to "/console/index.html". nullptr for anything not loaded and for
    // hostile paths: "..", NUL, backslashes, malformed %-escapes, no leading "/".
    std::shared_ptr<const static_file> find(std::string_view url_path) const;

    std::size_t size() const;                // number of files
    std::vector<std::string> paths() const;  // sorted URL paths, for logs and tests
    // Files left out by the last load: symlinks leading outside the root.
    std::vector<std::string> refused() const;
    std::filesystem::path root() const;

  private:
    struct snapshot {
        std::map<std::string, static_file, std::less<>> files;
        std::vector<std::string> refused;
    };
    std::shared_ptr<const snapshot> current() const;

    mutable std::mutex mutex_;  // guards root_ and the pointer swap only
    std::filesystem::path root_;
    std::shared_ptr<const snapshot> snapshot_;
};

// MIME type by file extension (case-insensitive); text types carry
// "; charset=utf-8"; unknown → "application/octet-stream".
std::string mime_type_for(std::string_view path);
// Whether a file name carries a content hash (`app.3f2a9c1d.js`,
// `widget-K5ZQ2M7A.js`): a last name part before the extension of >= 8
// characters [A-Za-z0-9] with a digit, that is lowercase hex, uppercase
// base32 or mixed case (so words like `v5point3` don't count).
bool is_content_hashed(std::string_view path);
// Strict URL-path percent-decoding; false on a malformed escape.
bool percent_decode(std::string_view in, std::string& out);
// zlib deflate with a gzip header (mtime 0, so output is reproducible).
std::string gzip_compress(std::string_view data, int level = 9);
// The same format from zopfli: ~5 % smaller than zlib's -9, ~100 times
// slower (0.1 s for 50 KB at 5 iterations). For what is compressed once and
// sent often (the published shop config); static files get theirs at build
// time (a `name.gz` beside `name`, see static_files).
std::string zopfli_gzip(std::string_view data, int iterations = 5);
// Inflates a gzip member; nullopt when it is not valid gzip.
std::optional<std::string> gunzip(std::string_view gz);

// If-None-Match evaluation (weak comparison, RFC 9110 13.1.2): true when the
// header is "*" or lists `etag`, with or without W/ on either side.
bool etag_matches(std::string_view if_none_match_header, std::string_view etag);
// Accept-Encoding allows gzip (or x-gzip, or "*") with q > 0.
bool accepts_gzip(std::string_view accept_encoding);
bool accepts_brotli(std::string_view accept_encoding);
// Accept-Encoding allows `coding` (or "*") with q > 0.
bool accepts_encoding(std::string_view accept_encoding, std::string_view coding);
// Brotli at `quality` (11: smallest; done once per file at load).
std::string brotli_compress(std::string_view data, int quality = 11);

}  // namespace parley::server
