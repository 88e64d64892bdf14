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
 * Held by an object that receives posted work. The work holds guard()
 * (a weak token, copyable into any thread's data) and runs only while
 * the object lives: the one way work reaches an object on the main thread.
 */
class Lifetime
{
public:
	using Guard = std::weak_ptr<const char>;

	Lifetime() : token_(std::make_shared<const char>(0)) {}
	Lifetime(const Lifetime &) = delete;
	Lifetime &operator=(const Lifetime &) = delete;

	Guard guard() const { return token_; }

private:
	std::shared_ptr<const char> token_;
};

/* any thread: run `work` on the main thread, only if `guard`'s owner still lives then. */
inline void postToMain(Lifetime::Guard guard, std::function<void()> work)
{
	postToMain([guard = std::move(guard), work = std::move(work)]() {
		if (!guard.expired())
			work();
	});
}

inline void postToMain(const Lifetime &lifetime, std::function<void()> work)
{
	postToMain(lifetime.guard(), std::move(work));
}

} /* namespace wcam */
