#include "static_files.hpp"

#include <brotli/encode.h>

#include <zlib.h>
#include <zopfli/zopfli.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <system_error>

#include "auth.hpp"

namespace parley::server {

namespace fs = std::filesystem;

namespace {

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string_view extension_of(std::string_view path) {
    const auto slash = path.rfind('/');
    const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    const auto dot = name.rfind('.');
    if (dot == std::string_view::npos || dot == 0) return {};
    return name.substr(dot + 1);
}

struct mime_entry {
    std::string_view ext;
    std::string_view type;
};

constexpr std::array mime_types{
    mime_entry{"html", "text/html; charset=utf-8"},
    mime_entry{"htm", "text/html; charset=utf-8"},
    mime_entry{"js", "text/javascript; charset=utf-8"},
    mime_entry{"mjs", "text/javascript; charset=utf-8"},
    mime_entry{"cjs", "text/javascript; charset=utf-8"},
    mime_entry{"css", "text/css; charset=utf-8"},
    mime_entry{"json", "application/json; charset=utf-8"},
    mime_entry{"map", "application/json; charset=utf-8"},
    mime_entry{"webmanifest", "application/manifest+json; charset=utf-8"},
    mime_entry{"txt", "text/plain; charset=utf-8"},
    mime_entry{"md", "text/markdown; charset=utf-8"},
    mime_entry{"csv", "text/csv; charset=utf-8"},
    mime_entry{"xml", "application/xml; charset=utf-8"},
    mime_entry{"svg", "image/svg+xml; charset=utf-8"},
    mime_entry{"png", "image/png"},
    mime_entry{"jpg", "image/jpeg"},
    mime_entry{"jpeg", "image/jpeg"},
    mime_entry{"gif", "image/gif"},
    mime_entry{"webp", "image/webp"},
    mime_entry{"avif", "image/avif"},
    mime_entry{"ico", "image/x-icon"},
    mime_entry{"wasm", "application/wasm"},
    mime_entry{"onnx", "application/octet-stream"},
    mime_entry{"ort", "application/octet-stream"},
    mime_entry{"bin", "application/octet-stream"},
    mime_entry{"woff2", "font/woff2"},
    mime_entry{"woff", "font/woff"},
    mime_entry{"ttf", "font/ttf"},
    mime_entry{"otf", "font/otf"},
    mime_entry{"pdf", "application/pdf"},
    mime_entry{"mp3", "audio/mpeg"},
    mime_entry{"ogg", "audio/ogg"},
    mime_entry{"mp4", "video/mp4"},
    mime_entry{"webm", "video/webm"},
    mime_entry{"zip", "application/zip"},
    mime_entry{"gz", "application/gzip"},
};

// Formats that are compressed already: deflating them again wastes start-up
// time (a 20 MB file at level 9 is ~1 s) for nothing.
bool already_compressed(std::string_view ext) {
    static constexpr std::array<std::string_view, 15> exts{"png",  "jpg",  "jpeg",  "gif", "webp",
                                                           "avif", "woff", "woff2", "gz",  "br",
                                                           "zip",  "mp3",  "ogg",   "mp4", "webm"};
    const std::string e = lowercase(ext);
    return std::find(exts.begin(), exts.end(), e) != exts.end();
}

bool is_hash_part(std::string_view s) {
    if (s.size() < 8 || s.size() > 64) return false;
    bool digit = false, upper = false, lower_letter = false, non_hex_lower = false;
    for (char c : s) {
        if (c >= '0' && c <= '9') {
            digit = true;
        } else if (c >= 'A' && c <= 'Z') {
            upper = true;
        } else if (c >= 'a' && c <= 'z') {
            lower_letter = true;
            if (c > 'f') non_hex_lower = true;
        } else {
            return false;
        }
    }
    if (!digit) return false;
    if (upper && lower_letter) return true;  // mixed-case base64-ish (Vite/Rollup)
    if (upper) return true;                  // esbuild's uppercase base32
    return !non_hex_lower;                   // lowercase hex (webpack); rejects "v5point3"
}

bool within(const fs::path& root, const fs::path& p) {
    auto r = root.begin();
    auto q = p.begin();
    for (; r != root.end(); ++r, ++q)
        if (q == p.end() || *r != *q) return false;
    return true;
}

std::string read_whole(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("static files: cannot read " + p.string());
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw std::runtime_error("static files: cannot read " + p.string());
    return data;
}

// `precompressed`: the `name.gz` found beside the file, if any. Used when it
// inflates to exactly `body` (a stale one from an older build would not).
static_file make_file(std::string url, std::string body,
                      const std::optional<std::string>& precompressed = std::nullopt) {
    static_file f;
    f.path = std::move(url);
    f.body = std::move(body);
    f.content_type = mime_type_for(f.path);
    const std::string hash = sha256_hex(f.body).substr(0, 32);
    f.etag = "\"" + hash + "\"";
    f.gzip_etag = "\"" + hash + "-gz\"";
    if (!already_compressed(extension_of(f.path)) && f.body.size() >= 64) {
        std::string z = precompressed && gunzip(*precompressed) == f.body ? *precompressed
                                                                          : gzip_compress(f.body);
        if (z.size() * 10 < f.body.size() * 9) f.gzip = std::move(z);
        std::string b = brotli_compress(f.body);
        if (b.size() * 10 < f.body.size() * 9) f.brotli = std::move(b);
    }
    f.brotli_etag = "\"" + hash + "-br\"";
    f.immutable = is_content_hashed(f.path);
    f.cache_control = f.immutable ? "public, max-age=31536000, immutable" : "no-cache";
    return f;
}

struct loader {
    fs::path root;  // canonical
    std::map<std::string, static_file, std::less<>> files;
    std::vector<std::string> refused;
    std::vector<fs::path> stack;  // canonical directories being walked (loop guard)

    void walk(const fs::path& dir, const std::string& prefix) {
        if (stack.size() > 32) return;
        stack.push_back(dir);
        std::vector<fs::directory_entry> entries;
        std::set<std::string> names;
        for (const auto& e : fs::directory_iterator(dir)) {
            entries.push_back(e);
            names.insert(e.path().filename().string());
        }
        // `name.gz` beside `name`: the build's precompressed (zopfli) gzip of
        // it, not a file of its own. A .gz alone (the model files) is served.
        auto sibling_of = [&](const std::string& name) {
            return name.size() > 3 && name.ends_with(".gz") &&
                   names.count(name.substr(0, name.size() - 3)) != 0;
        };
        for (const auto& entry : entries) {
            const std::string name = entry.path().filename().string();
            if (name.empty() || name[0] == '.') continue;  // dotfiles: .env, .git, editor swap
            if (sibling_of(name)) continue;
            const std::string url = prefix + "/" + name;
            fs::path target = entry.path();
            std::error_code ec;
            if (entry.is_symlink(ec)) {
                target = fs::canonical(entry.path(), ec);
                if (ec) continue;  // dangling
                if (!within(root, target)) {
                    refused.push_back(url);
                    continue;
                }
            }
            const auto st = fs::status(target, ec);
            if (ec) continue;
            if (fs::is_directory(st)) {
                const fs::path canon = fs::canonical(target, ec);
                if (ec || std::find(stack.begin(), stack.end(), canon) != stack.end()) continue;
                walk(canon, url);
            } else if (fs::is_regular_file(st)) {
                std::optional<std::string> gz;
                if (names.count(name + ".gz") != 0) {
                    const fs::path gz_path = entry.path().string() + ".gz";
                    std::error_code gz_ec;
                    // The same rules as for any file: no links out of the root.
                    const fs::path gz_target = fs::canonical(gz_path, gz_ec);
                    if (!gz_ec && within(root, gz_target) && fs::is_regular_file(gz_target, gz_ec))
                        gz = read_whole(gz_target);
                }
                files.emplace(url, make_file(url, read_whole(target), gz));
            }
        }
        stack.pop_back();
    }
};

}  // namespace

std::string mime_type_for(std::string_view path) {
    const std::string ext = lowercase(extension_of(path));
    for (const auto& m : mime_types)
        if (m.ext == ext) return std::string(m.type);
    return "application/octet-stream";
}

bool is_content_hashed(std::string_view path) {
    const auto slash = path.rfind('/');
    std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    const auto dot = name.rfind('.');
    if (dot != std::string_view::npos && dot > 0) name = name.substr(0, dot);
    // Every part after the first: "ort-wasm-K5ZQ2M7A", "app.3f2a9c1d.min".
    bool first = true;
    while (!name.empty()) {
        const auto sep = name.find_first_of(".-");
        const std::string_view part = name.substr(0, sep);
        if (!first && is_hash_part(part)) return true;
        first = false;
        if (sep == std::string_view::npos) break;
        name.remove_prefix(sep + 1);
    }
    return false;
}

bool percent_decode(std::string_view in, std::string& out) {
    out.clear();
    out.reserve(in.size());
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out.push_back(in[i]);
            continue;
        }
        if (i + 2 >= in.size()) return false;
        const int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
        if (hi < 0 || lo < 0) return false;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return true;
}

std::string brotli_compress(std::string_view data, int quality) {
    std::string out(BrotliEncoderMaxCompressedSize(data.size()), '\0');
    std::size_t size = out.size();
    if (!BrotliEncoderCompress(quality, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, data.size(),
                               reinterpret_cast<const std::uint8_t*>(data.data()), &size,
                               reinterpret_cast<std::uint8_t*>(out.data())))
        throw std::runtime_error("brotli: compression failed");
    out.resize(size);
    return out;
}

std::string gzip_compress(std::string_view data, int level) {
    z_stream zs{};
    // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
    if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("gzip: deflateInit2 failed");
    std::string out(
        deflateBound(&zs, static_cast<uLong>(std::min<std::size_t>(data.size(), ULONG_MAX))) + 32,
        '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    std::size_t left = data.size();
    int rc = Z_OK;
    do {
        const auto chunk = static_cast<uInt>(std::min<std::size_t>(left, UINT_MAX));
        zs.avail_in = chunk;
        left -= chunk;
        const int flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
        do {
            if (zs.total_out == out.size()) out.resize(out.size() * 2);
            zs.next_out = reinterpret_cast<Bytef*>(out.data() + zs.total_out);
            zs.avail_out =
                static_cast<uInt>(std::min<std::size_t>(out.size() - zs.total_out, UINT_MAX));
            rc = deflate(&zs, flush);
        } while (zs.avail_out == 0 || (flush == Z_FINISH && rc == Z_OK));
    } while (left > 0);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) throw std::runtime_error("gzip: deflate failed");
    return out;
}

std::string zopfli_gzip(std::string_view data, int iterations) {
    ZopfliOptions options;
    ZopfliInitOptions(&options);
    options.numiterations = iterations;
    unsigned char* out = nullptr;
    std::size_t size = 0;
    ZopfliCompress(&options, ZOPFLI_FORMAT_GZIP,
                   reinterpret_cast<const unsigned char*>(data.data()), data.size(), &out, &size);
    if (!out && !data.empty()) throw std::runtime_error("zopfli: compression failed");
    std::string result(reinterpret_cast<const char*>(out), size);
    std::free(out);  // zopfli allocates with malloc
    return result;
}

std::optional<std::string> gunzip(std::string_view gz) {
    z_stream zs{};
    if (inflateInit2(&zs, 15 + 16) != Z_OK) return std::nullopt;  // gzip only
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
    zs.avail_in = static_cast<uInt>(std::min<std::size_t>(gz.size(), UINT_MAX));
    std::string out;
    char buf[16384];
    int rc = Z_OK;
    while (rc == Z_OK) {
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        rc = inflate(&zs, Z_NO_FLUSH);
        out.append(buf, sizeof buf - zs.avail_out);
        if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // truncated input
    }
    const bool whole = rc == Z_STREAM_END && zs.avail_in == 0 && gz.size() <= UINT_MAX;
    inflateEnd(&zs);
    if (!whole) return std::nullopt;
    return out;
}

bool etag_matches(std::string_view header, std::string_view etag) {
    header = trim(header);
    if (header.empty()) return false;
    auto opaque = [](std::string_view tag) {
        tag = trim(tag);
        if (tag.size() >= 2 && (tag[0] == 'W' || tag[0] == 'w') && tag[1] == '/')
            tag.remove_prefix(2);
        if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"')
            tag = tag.substr(1, tag.size() - 2);
        return tag;
    };
    const std::string_view want = opaque(etag);
    std::size_t i = 0;
    while (i < header.size()) {
        while (i < header.size() && (header[i] == ' ' || header[i] == '\t' || header[i] == ','))
            ++i;
        if (i >= header.size()) break;
        if (header.compare(i, 2, "W/") == 0 || header.compare(i, 2, "w/") == 0) i += 2;
        std::string_view tag;
        if (i < header.size() && header[i] == '"') {
            // Quoted: a comma inside belongs to the tag.
            const auto close = header.find('"', i + 1);
            if (close == std::string_view::npos) return false;  // malformed: no match
            tag = header.substr(i + 1, close - i - 1);
            i = close + 1;
        } else {
            // Lenient: some clients echo tags without quotes.
            const auto comma = header.find(',', i);
            const auto end = comma == std::string_view::npos ? header.size() : comma;
            tag = trim(header.substr(i, end - i));
            i = end;
            if (tag == "*") return true;
        }
        if (tag == want) return true;
    }
    return false;
}

bool accepts_gzip(std::string_view accept_encoding) {
    return accepts_encoding(accept_encoding, "gzip");
}

bool accepts_brotli(std::string_view accept_encoding) {
    return accepts_encoding(accept_encoding, "br");
}

bool accepts_encoding(std::string_view accept_encoding, std::string_view wanted) {
    double gzip_q = -1, star_q = -1;
    std::string_view rest = accept_encoding;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        const auto semi = item.find(';');
        const std::string coding = lowercase(trim(item.substr(0, semi)));
        double q = 1;
        if (semi != std::string_view::npos) {
            std::string_view params = item.substr(semi + 1);
            while (!params.empty()) {
                const auto next = params.find(';');
                std::string_view param = trim(params.substr(0, next));
                params =
                    next == std::string_view::npos ? std::string_view{} : params.substr(next + 1);
                if (param.size() >= 2 && lower(param[0]) == 'q' &&
                    trim(param.substr(1)).starts_with('=')) {
                    std::string_view value = trim(trim(param.substr(1)).substr(1));
                    double parsed = 0;
                    const auto r =
                        std::from_chars(value.data(), value.data() + value.size(), parsed);
                    q = (r.ec == std::errc{} && parsed >= 0) ? parsed : 0;
                }
            }
        }
        if (coding == wanted || (wanted == "gzip" && coding == "x-gzip"))
            gzip_q = std::max(gzip_q, q);
        else if (coding == "*")
            star_q = std::max(star_q, q);
    }
    if (gzip_q >= 0) return gzip_q > 0;
    return star_q > 0;
}

static_files::static_files(fs::path root) {
    reload(std::move(root));
}

void static_files::reload() {
    fs::path root;
    {
        std::lock_guard lock(mutex_);
        root = root_;
    }
    reload(std::move(root));
}

void static_files::reload(fs::path root) {
    std::error_code ec;
    const fs::path canon = fs::canonical(root, ec);
    if (ec || !fs::is_directory(canon))
        throw std::runtime_error("static files: not a directory: " + root.string());
    // Built outside the lock: reading and compressing takes a while and
    // readers keep using the old snapshot meanwhile.
    loader l;
    l.root = canon;
    try {
        l.walk(canon, "");
    } catch (const fs::filesystem_error& e) {
        throw std::runtime_error(std::string("static files: ") + e.what());
    }
    auto snap = std::make_shared<snapshot>();
    snap->files = std::move(l.files);
    snap->refused = std::move(l.refused);
    std::sort(snap->refused.begin(), snap->refused.end());  // directory order is arbitrary
    std::lock_guard lock(mutex_);
    root_ = std::move(root);
    snapshot_ = std::move(snap);
}

std::shared_ptr<const static_files::snapshot> static_files::current() const {
    std::lock_guard lock(mutex_);
    return snapshot_;
}

std::shared_ptr<const static_file> static_files::find(std::string_view url_path) const {
    const auto cut = url_path.find_first_of("?#");
    if (cut != std::string_view::npos) url_path = url_path.substr(0, cut);
    if (url_path.empty() || url_path[0] != '/') return nullptr;
    std::string decoded;
    if (!percent_decode(url_path, decoded)) return nullptr;
    if (decoded.find('\0') != std::string::npos || decoded.find('\\') != std::string::npos)
        return nullptr;
    // Rebuild the path from its segments: "." and empty ones vanish, ".."
    // is refused outright rather than resolved (no request needs it).
    std::string norm;
    std::string_view rest(decoded);
    while (!rest.empty()) {
        const auto slash = rest.find('/');
        const std::string_view seg = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        if (seg.empty() || seg == ".") continue;
        if (seg == "..") return nullptr;
        norm += '/';
        norm += seg;
    }
    const auto snap = current();
    if (!snap) return nullptr;
    auto lookup = [&](const std::string& key) -> std::shared_ptr<const static_file> {
        const auto it = snap->files.find(key);
        if (it == snap->files.end()) return nullptr;
        return std::shared_ptr<const static_file>(snap, &it->second);  // shares the snapshot
    };
    if (norm.empty()) return lookup("/index.html");
    if (decoded.back() == '/') return lookup(norm + "/index.html");
    if (auto f = lookup(norm)) return f;
    return lookup(norm + "/index.html");
}

std::size_t static_files::size() const {
    const auto snap = current();
    return snap ? snap->files.size() : 0;
}

std::vector<std::string> static_files::paths() const {
    std::vector<std::string> out;
    if (const auto snap = current())
        for (const auto& kv : snap->files) out.push_back(kv.first);
    return out;
}

std::vector<std::string> static_files::refused() const {
    const auto snap = current();
    return snap ? snap->refused : std::vector<std::string>{};
}

fs::path static_files::root() const {
    std::lock_guard lock(mutex_);
    return root_;
}

}  // namespace parley::server
