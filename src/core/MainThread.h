/* SPDX-License-Identifier: MIT */
/*
 * Hand work from GStreamer's streaming threads and webrtcbin's thread to
 * the GMainLoop thread, which owns all application state. The work is
 * always queued (never run in the calling thread), and a Lifetime token
 * lets it be dropped when its target died meanwhile.
 */
#pragma once

#include <functional>
#include <memory>

namespace wcam {

/* any thread */
void postToMain(std::function<void()> work);

/*
 * Held by an object that receives posted work: weak() is captured by the
 * work and checked on the main thread before touching the object.
 */
class Lifetime
{
public:
	Lifetime() : token_(std::make_shared<char>(0)) {}
	Lifetime(const Lifetime &) = delete;
	Lifetime &operator=(const Lifetime &) = delete;

	std::weak_ptr<char> weak() const { return token_; }

private:
	std::shared_ptr<char> token_;
};

/* Post `work` to run on the main thread only while `lifetime` exists. */
inline void postToMain(const Lifetime &lifetime, std::function<void()> work)
{
	postToMain([weak = lifetime.weak(), work = std::move(work)]() {
		if (!weak.expired())
			work();
	});
}

} /* namespace wcam */
