#include "student_model.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "files.hpp"

namespace parley::server {

std::string default_vocab_path(const std::string& model_path) {
    const std::string ext = ".onnx";
    if (model_path.size() > ext.size() &&
        model_path.compare(model_path.size() - ext.size(), ext.size(), ext) == 0)
        return model_path.substr(0, model_path.size() - ext.size()) + ".vocab";
    return model_path + ".vocab";
}

std::shared_ptr<const parley::sentence_encoder> load_student(const std::string& model_path,
                                                             std::string vocab_path) {
    if (vocab_path.empty()) vocab_path = default_vocab_path(model_path);
    const std::string bytes = read_file(model_path);
    const std::string vocab = read_file(vocab_path);
    try {
        return std::make_shared<const parley::sentence_encoder>(parley::sentence_encoder::load(
            std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), vocab));
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(model_path + " with " + vocab_path + ": " + e.what());
    }
}

std::vector<float> embed_texts(const parley::sentence_encoder& student,
                               const std::vector<std::string>& texts, unsigned threads) {
    const std::size_t dim = student.dimension();
    std::vector<float> rows(texts.size() * dim);
    if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
    // Small shops are not worth a thread start.
    threads = static_cast<unsigned>(
        std::min<std::size_t>(threads, std::max<std::size_t>(1, texts.size() / 64)));
    std::atomic<std::size_t> next{0};
    std::exception_ptr failed;
    std::mutex failed_mutex;
    auto work = [&] {
        try {
            for (std::size_t i; (i = next.fetch_add(1)) < texts.size();) {
                const auto r = student.embed(texts[i]);
                std::copy(r.embedding.begin(), r.embedding.end(),
                          rows.begin() + static_cast<std::ptrdiff_t>(i * dim));
            }
        } catch (...) {
            std::lock_guard lock(failed_mutex);
            if (!failed) failed = std::current_exception();
            next = texts.size();
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (failed) std::rethrow_exception(failed);
    return rows;
}

std::vector<float> embed_documents(const parley::sentence_encoder& student,
                                   const parley::retriever& index, unsigned threads) {
    const auto plan = index.embedding_plan();
    std::vector<std::string> texts;
    texts.reserve(plan.embed.size());
    for (auto d : plan.embed) texts.push_back(index.documents()[d].text);
    return plan.expand(embed_texts(student, texts, threads), student.dimension());
}

std::shared_ptr<const parley::sentence_encoder> attach_student(parley::dialog_engine& engine,
                                                               const std::string& model_path,
                                                               const std::string& vocab_path) {
    if (model_path.empty()) return nullptr;
    auto student = load_student(model_path, vocab_path);
    student->attach_documents(engine, embed_documents(*student, engine.index()));
    return student;
}

parley::reply respond_embedded(const parley::dialog_engine& engine,
                               const parley::sentence_encoder* student, parley::session& s,
                               std::string_view text) {
    if (!student) return engine.respond(s, text);
    const auto e = student->embed(engine.analysis_text(text));
    return engine.respond(s, text, e.embedding, e.frustration);
}

}  // namespace parley::server
