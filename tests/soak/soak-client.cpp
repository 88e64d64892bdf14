/* SPDX-License-Identifier: MIT */
/*
 * soak-client: real WebRTC viewers (tests/integration/TestReceiver) for
 * tools/webrtc-camera-soak, driven by one command per line on stdin and
 * answering one JSON object per line on stdout:
 *
 *   join NAME KIND PORT [FRAMES] [SECONDS]  KIND: ws, whep, ws-stall, whep-stall
 *   leave NAME HOW                          HOW: stop, close, drop, delete, vanish
 *   stats NAME                              frames, longest frame gap since last stats, byes, errors
 *   churn PORT CYCLES MODES PARALLEL [SECONDS]
 *                                           MODES: comma-separated KIND-HOW, e.g. ws-stop,whep-delete
 *   wait SECONDS                            keep the main loop running
 *   quit
 *
 * Everything runs on the default main context, which keeps turning while
 * a command waits, so receivers keep receiving during long commands.
 */
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gio/gio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "../integration/TestReceiver.h"

using wcam::test::runUntil;
using wcam::test::TestReceiver;

namespace {

/* One JSON object per line, built with json-glib so strings are escaped. */
class Reply
{
public:
	explicit Reply(const std::string &command)
	{
		builder_ = json_builder_new();
		json_builder_begin_object(builder_);
		add("cmd", command);
	}
	~Reply() { g_object_unref(builder_); }

	Reply &add(const char *name, const std::string &value)
	{
		json_builder_set_member_name(builder_, name);
		json_builder_add_string_value(builder_, value.c_str());
		return *this;
	}
	Reply &add(const char *name, const char *value) { return add(name, std::string(value)); }
	Reply &add(const char *name, int64_t value)
	{
		json_builder_set_member_name(builder_, name);
		json_builder_add_int_value(builder_, value);
		return *this;
	}
	Reply &add(const char *name, double value)
	{
		json_builder_set_member_name(builder_, name);
		json_builder_add_double_value(builder_, value);
		return *this;
	}
	Reply &add(const char *name, bool value)
	{
		json_builder_set_member_name(builder_, name);
		json_builder_add_boolean_value(builder_, value);
		return *this;
	}
	Reply &add(const char *name, const std::vector<std::string> &values)
	{
		json_builder_set_member_name(builder_, name);
		json_builder_begin_array(builder_);
		for (const std::string &value : values)
			json_builder_add_string_value(builder_, value.c_str());
		json_builder_end_array(builder_);
		return *this;
	}
	Reply &add(const char *name, const std::map<std::string, int64_t> &values)
	{
		json_builder_set_member_name(builder_, name);
		json_builder_begin_object(builder_);
		for (const auto &[key, value] : values) {
			json_builder_set_member_name(builder_, key.c_str());
			json_builder_add_int_value(builder_, value);
		}
		json_builder_end_object(builder_);
		return *this;
	}

	void print()
	{
		json_builder_end_object(builder_);
		g_autoptr(JsonNode) root = json_builder_get_root(builder_);
		g_autofree char *text = json_to_string(root, FALSE);
		printf("%s\n", text);
		fflush(stdout);
	}

private:
	JsonBuilder *builder_;
};

struct Named {
	std::unique_ptr<TestReceiver> receiver;
	bool whep = false;
};

std::map<std::string, Named> gReceivers;

/* Receivers that vanished: kept (socket open, silent) until the server lets go. */
struct Vanished {
	std::unique_ptr<TestReceiver> receiver;
	int64_t since;
	bool whep;
};
std::deque<Vanished> gVanished;
/* A vanished receiver is dropped at the latest after this (the server's viewer_timeout and more). */
int64_t gVanishLingerUs = 60 * G_USEC_PER_SEC;

void reapVanished(bool all)
{
	int64_t now = g_get_monotonic_time();
	for (auto it = gVanished.begin(); it != gVanished.end();) {
		TestReceiver &r = *it->receiver;
		/* A websocket viewer is let go when the server says bye or closes. */
		bool released = !it->whep && (!r.byes().empty() || !r.socketOpen());
		if (all || released || now - it->since > gVanishLingerUs)
			it = gVanished.erase(it);
		else
			++it;
	}
}

bool isStall(const std::string &kind)
{
	return kind == "ws-stall" || kind == "whep-stall";
}

bool isWhep(const std::string &kind)
{
	return kind.rfind("whep", 0) == 0;
}

/*
 * Start a receiver. A stall receiver is "joined" once the server answered
 * (ws: welcome and offer seen; WHEP: the answer came back).
 */
std::unique_ptr<TestReceiver> startReceiver(const std::string &name, const std::string &kind, int port)
{
	auto receiver = std::make_unique<TestReceiver>(name);
	receiver->setStall(isStall(kind));
	if (isWhep(kind))
		receiver->connectWhep(port);
	else
		receiver->connectWebSocket(port);
	return receiver;
}

bool joined(const TestReceiver &r, const std::string &kind, uint64_t frames)
{
	if (kind == "whep-stall")
		return r.whepStatus() != 0;
	if (kind == "ws-stall")
		return !r.viewerId().empty();
	return r.frames() >= frames;
}

/* "leave" a receiver; returns it when it must linger (vanished), else null. */
std::unique_ptr<TestReceiver> leave(std::unique_ptr<TestReceiver> r, bool whep, const std::string &how,
				    std::string &detail)
{
	if (how == "stop") {
		r->sendStop();
		/* Let the stop go out before the close. */
		runUntil([]() { return false; }, 0.02);
	} else if (how == "delete") {
		detail = std::to_string(r->deleteWhep());
	} else if (how == "drop") {
		if (whep)
			r->vanish(); /* WHEP has no socket of its own: drop everything */
		else
			r->dropSocket();
		return nullptr;
	} else if (how == "vanish") {
		r->vanish();
		return r;
	}
	/* "close" and the rest: the destructor closes the websocket cleanly. */
	return nullptr;
}

void cmdJoin(std::istringstream &args)
{
	std::string name, kind;
	int port = 0;
	uint64_t frames = 1;
	double seconds = 20;
	args >> name >> kind >> port >> frames >> seconds;
	Reply reply("join");
	reply.add("name", name).add("kind", kind);
	int64_t start = g_get_monotonic_time();
	gReceivers.erase(name);
	auto receiver = startReceiver(name, kind, port);
	bool ok = runUntil([&]() { return joined(*receiver, kind, frames) || !receiver->errors().empty(); },
			   seconds) &&
		  receiver->errors().empty();
	reply.add("ok", ok).add("ms", (g_get_monotonic_time() - start) / 1000.0);
	reply.add("id", receiver->viewerId()).add("whepStatus", int64_t(receiver->whepStatus()));
	reply.add("location", receiver->whepLocation());
	reply.add("errors", receiver->errors());
	/* The gap before the first frame is the join time, not a gap. */
	receiver->takeMaxFrameGapUs();
	gReceivers[name] = Named{ std::move(receiver), isWhep(kind) };
	reply.print();
}

void cmdLeave(std::istringstream &args)
{
	std::string name, how;
	args >> name >> how;
	Reply reply("leave");
	reply.add("name", name).add("how", how);
	auto it = gReceivers.find(name);
	if (it == gReceivers.end()) {
		reply.add("ok", false).add("error", "no such receiver").print();
		return;
	}
	Named named = std::move(it->second);
	gReceivers.erase(it);
	std::string detail;
	auto lingering = leave(std::move(named.receiver), named.whep, how, detail);
	if (lingering)
		gVanished.push_back({ std::move(lingering), g_get_monotonic_time(), named.whep });
	reply.add("ok", true).add("detail", detail).print();
}

void cmdStats(std::istringstream &args)
{
	std::string name;
	args >> name;
	Reply reply("stats");
	reply.add("name", name);
	auto it = gReceivers.find(name);
	if (it == gReceivers.end()) {
		reply.add("ok", false).add("error", "no such receiver").print();
		return;
	}
	TestReceiver &r = *it->second.receiver;
	reply.add("ok", true)
		.add("frames", int64_t(r.frames()))
		.add("maxGapMs", r.takeMaxFrameGapUs() / 1000.0)
		.add("socketOpen", r.socketOpen())
		.add("byes", r.byes())
		.add("errors", r.errors())
		.print();
}

/* Join/leave cycles, PARALLEL at a time, each mode in turn. */
void cmdChurn(std::istringstream &args)
{
	int port = 0, cycles = 0, parallel = 1;
	std::string modeList;
	double perCycleSeconds = 20;
	args >> port >> cycles >> modeList >> parallel >> perCycleSeconds;
	std::vector<std::pair<std::string, std::string>> modes; /* kind, how */
	std::stringstream list(modeList);
	for (std::string mode; std::getline(list, mode, ',');) {
		size_t dash = mode.rfind('-');
		if (dash != std::string::npos)
			modes.push_back({ mode.substr(0, dash), mode.substr(dash + 1) });
	}
	Reply reply("churn");
	if (modes.empty() || cycles <= 0 || parallel <= 0) {
		reply.add("ok", false).add("error", "usage: churn PORT CYCLES MODES PARALLEL [SECONDS]").print();
		return;
	}

	struct Slot {
		std::unique_ptr<TestReceiver> receiver;
		size_t mode = 0;
		int64_t startedUs = 0;
	};
	std::vector<Slot> slots(parallel);
	int started = 0, done = 0, failed = 0;
	std::map<std::string, int64_t> okByMode, failedByMode;
	std::vector<std::string> failures;
	int64_t begin = g_get_monotonic_time();
	double joinMsTotal = 0;

	auto finish = [&](Slot &slot, bool ok, const std::string &why) {
		auto [kind, how] = modes[slot.mode];
		std::string label = kind + "-" + how;
		joinMsTotal += (g_get_monotonic_time() - slot.startedUs) / 1000.0;
		if (ok) {
			okByMode[label]++;
		} else {
			failed++;
			failedByMode[label]++;
			if (failures.size() < 10)
				failures.push_back(label + ": " + why);
		}
		std::string detail;
		auto lingering = leave(std::move(slot.receiver), isWhep(kind), ok ? how : "close", detail);
		if (lingering)
			gVanished.push_back({ std::move(lingering), g_get_monotonic_time(), isWhep(kind) });
		done++;
		if (done % 25 == 0 || done == cycles)
			Reply("progress").add("done", int64_t(done)).add("failed", int64_t(failed))
				.add("lingering", int64_t(gVanished.size())).print();
	};

	while (done < cycles) {
		for (Slot &slot : slots) {
			if (!slot.receiver && started < cycles) {
				slot.mode = started % modes.size();
				slot.startedUs = g_get_monotonic_time();
				slot.receiver = startReceiver("churn" + std::to_string(started), modes[slot.mode].first, port);
				started++;
				continue;
			}
			if (!slot.receiver)
				continue;
			TestReceiver &r = *slot.receiver;
			if (!r.errors().empty())
				finish(slot, false, r.errors()[0]);
			else if (joined(r, modes[slot.mode].first, 1))
				finish(slot, true, "");
			else if (g_get_monotonic_time() - slot.startedUs > int64_t(perCycleSeconds * G_USEC_PER_SEC))
				finish(slot, false, "no frame within " + std::to_string(int(perCycleSeconds)) + " s");
		}
		reapVanished(false);
		runUntil([]() { return false; }, 0.005);
	}
	double seconds = (g_get_monotonic_time() - begin) / 1e6;
	reply.add("ok", failed == 0)
		.add("cycles", int64_t(done))
		.add("failed", int64_t(failed))
		.add("seconds", seconds)
		.add("meanCycleMs", joinMsTotal / std::max(done, 1))
		.add("okByMode", okByMode)
		.add("failedByMode", failedByMode)
		.add("failures", failures)
		.add("lingering", int64_t(gVanished.size()))
		.print();
}

/* Lines from stdin, read on the main context so receivers keep running. */
struct Input {
	std::string pending;
	bool eof = false;
	std::deque<std::string> lines;
};

} /* namespace */

int main(int argc, char *argv[])
{
	gst_init(&argc, &argv);
	if (argc > 1 && std::string(argv[1]) == "--help") {
		fprintf(stderr, "usage: soak-client (commands on stdin; see the source)\n");
		return 0;
	}
	if (const char *linger = g_getenv("SOAK_VANISH_LINGER_S"))
		gVanishLingerUs = int64_t(atof(linger) * G_USEC_PER_SEC);

	Input input;
	GIOChannel *channel = g_io_channel_unix_new(0);
	/* Unbuffered: a read returns what the pipe has, never waits for more. */
	g_io_channel_set_encoding(channel, nullptr, nullptr);
	g_io_channel_set_buffered(channel, FALSE);
	g_io_add_watch(channel, GIOCondition(G_IO_IN | G_IO_HUP | G_IO_ERR), [](GIOChannel *ch, GIOCondition, gpointer data) -> gboolean {
		auto *in = static_cast<Input *>(data);
		char buffer[4096];
		gsize n = 0;
		GIOStatus status = g_io_channel_read_chars(ch, buffer, sizeof(buffer), &n, nullptr);
		in->pending.append(buffer, n);
		for (size_t nl; (nl = in->pending.find('\n')) != std::string::npos;) {
			in->lines.push_back(in->pending.substr(0, nl));
			in->pending.erase(0, nl + 1);
		}
		if (status == G_IO_STATUS_EOF || status == G_IO_STATUS_ERROR) {
			in->eof = true;
			return G_SOURCE_REMOVE;
		}
		return G_SOURCE_CONTINUE;
	}, &input);

	for (bool quit = false; !quit;) {
		runUntil([&]() { return !input.lines.empty() || input.eof; }, 1);
		reapVanished(false);
		if (input.lines.empty()) {
			if (input.eof)
				break;
			continue;
		}
		std::string line = input.lines.front();
		input.lines.pop_front();
		std::istringstream args(line);
		std::string command;
		args >> command;
		if (command == "join") {
			cmdJoin(args);
		} else if (command == "leave") {
			cmdLeave(args);
		} else if (command == "stats") {
			cmdStats(args);
		} else if (command == "churn") {
			cmdChurn(args);
		} else if (command == "wait") {
			double seconds = 0;
			args >> seconds;
			runUntil([]() { return false; }, seconds);
			Reply("wait").add("ok", true).print();
		} else if (command == "quit") {
			quit = true;
		} else if (!command.empty()) {
			Reply("error").add("ok", false).add("error", "unknown command: " + command).print();
		}
	}

	/* Leave cleanly: websockets closed, WHEP sessions deleted. */
	for (auto &[name, named] : gReceivers)
		if (named.whep && named.receiver->whepStatus() == 201)
			named.receiver->deleteWhep();
	gReceivers.clear();
	reapVanished(true);
	runUntil([]() { return false; }, 0.2);
	g_io_channel_unref(channel);
	Reply("quit").add("ok", true).print();
	return 0;
}
