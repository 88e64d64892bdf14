/* SPDX-License-Identifier: MIT */
/*
 * The one RAII layer for GLib and GStreamer references. Each pointer type
 * knows its own ref/unref pair (gst_object_unref for elements and pads,
 * gst_caps_unref for caps, gst_mini_object_unref for events and buffers,
 * g_object_unref only for plain GObjects such as libsoup's), so nothing
 * is released through the wrong function. Boxed values without a
 * reference count (SDP messages, session descriptions, structures) have
 * one owner and are copied deeply.
 *
 * Floating references (a new GstElement, GstPad, GstBin...) are handled
 * here, as WebKit's GRefPtrGStreamer does: retain() sinks one, so the
 * caller owns a full reference and gst_bin_add() takes its own; adopt()
 * refuses one, since a floating reference is nobody's yet.
 */
#pragma once

#include <utility>

#include <glib-object.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

namespace wcam {

template<typename T, typename Traits>
class GRef
{
public:
	GRef() = default;
	GRef(std::nullptr_t) {}
	~GRef() { reset(); }

	/* Take over a reference the caller owns ("transfer full"). */
	static GRef adopt(T *ptr)
	{
		g_assert(!ptr || !Traits::floating(ptr));
		GRef ref;
		ref.ptr_ = ptr;
		return ref;
	}

	/* Add a reference of our own ("transfer none"), sinking a floating one. */
	static GRef retain(T *ptr)
	{
		if (ptr)
			Traits::ref(ptr);
		return adopt(ptr);
	}

	GRef(const GRef &other) : ptr_(other.ptr_)
	{
		if (ptr_)
			Traits::ref(ptr_);
	}
	GRef(GRef &&other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}

	GRef &operator=(const GRef &other)
	{
		if (this != &other)
			*this = GRef(other);
		return *this;
	}
	GRef &operator=(GRef &&other) noexcept
	{
		if (this != &other) {
			reset();
			ptr_ = std::exchange(other.ptr_, nullptr);
		}
		return *this;
	}

	void reset()
	{
		if (T *ptr = std::exchange(ptr_, nullptr))
			Traits::unref(ptr);
	}

	/* Give up ownership without unreffing. */
	T *release() { return std::exchange(ptr_, nullptr); }

	T *get() const { return ptr_; }
	T *operator->() const { return ptr_; }
	explicit operator bool() const { return ptr_ != nullptr; }

private:
	T *ptr_ = nullptr;
};

/* ref() sinks: on a reference we already own it is a plain ref. */
struct GstObjectTraits {
	static void ref(gpointer ptr) { gst_object_ref_sink(ptr); }
	static void unref(gpointer ptr) { gst_object_unref(ptr); }
	static bool floating(gpointer ptr) { return g_object_is_floating(ptr); }
};

struct GObjectTraits {
	static void ref(gpointer ptr) { g_object_ref_sink(ptr); }
	static void unref(gpointer ptr) { g_object_unref(ptr); }
	static bool floating(gpointer ptr) { return g_object_is_floating(ptr); }
};

struct CapsTraits {
	static void ref(GstCaps *caps) { gst_caps_ref(caps); }
	static void unref(GstCaps *caps) { gst_caps_unref(caps); }
	static bool floating(GstCaps *) { return false; }
};

struct MiniObjectTraits {
	static void ref(gpointer ptr) { gst_mini_object_ref(GST_MINI_OBJECT_CAST(ptr)); }
	static void unref(gpointer ptr) { gst_mini_object_unref(GST_MINI_OBJECT_CAST(ptr)); }
	static bool floating(gpointer) { return false; }
};

/* Elements, pads, bins, buses, ICE agents: anything derived from GstObject. */
template<typename T>
using GstPtr = GRef<T, GstObjectTraits>;

/* Plain GObjects that are not GstObjects (SoupServer, GSocketAddress...). */
template<typename T>
using GObjectPtr = GRef<T, GObjectTraits>;

using CapsPtr = GRef<GstCaps, CapsTraits>;

struct MainLoopTraits {
	static void ref(GMainLoop *loop) { g_main_loop_ref(loop); }
	static void unref(GMainLoop *loop) { g_main_loop_unref(loop); }
	static bool floating(GMainLoop *) { return false; }
};

using MainLoopPtr = GRef<GMainLoop, MainLoopTraits>;

/* Events, buffers, messages, queries, samples. */
template<typename T>
using MiniObjectPtr = GRef<T, MiniObjectTraits>;

/*
 * A boxed value with no reference count: this object is its only owner.
 * A copy is a deep copy, so it can ride in a std::function and is freed
 * however that function ends (run or dropped).
 */
template<typename T, typename Traits>
class GBox
{
public:
	GBox() = default;
	GBox(std::nullptr_t) {}
	~GBox() { reset(); }

	/* Take over a value the caller owns. */
	static GBox adopt(T *ptr)
	{
		GBox box;
		box.ptr_ = ptr;
		return box;
	}

	GBox(const GBox &other) : ptr_(other.ptr_ ? Traits::copy(other.ptr_) : nullptr) {}
	GBox(GBox &&other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}

	GBox &operator=(const GBox &other)
	{
		if (this != &other)
			*this = GBox(other);
		return *this;
	}
	GBox &operator=(GBox &&other) noexcept
	{
		if (this != &other) {
			reset();
			ptr_ = std::exchange(other.ptr_, nullptr);
		}
		return *this;
	}

	void reset()
	{
		if (T *ptr = std::exchange(ptr_, nullptr))
			Traits::free(ptr);
	}

	/* Give up ownership, e.g. to a function that takes it. */
	T *release() { return std::exchange(ptr_, nullptr); }

	T *get() const { return ptr_; }
	T *operator->() const { return ptr_; }
	explicit operator bool() const { return ptr_ != nullptr; }

private:
	T *ptr_ = nullptr;
};

struct SdpMessageTraits {
	static GstSDPMessage *copy(const GstSDPMessage *message)
	{
		GstSDPMessage *copy = nullptr;
		gst_sdp_message_copy(message, &copy);
		return copy;
	}
	static void free(GstSDPMessage *message) { gst_sdp_message_free(message); }
};

struct SessionDescriptionTraits {
	static GstWebRTCSessionDescription *copy(const GstWebRTCSessionDescription *description)
	{
		return gst_webrtc_session_description_copy(description);
	}
	static void free(GstWebRTCSessionDescription *description)
	{
		gst_webrtc_session_description_free(description);
	}
};

struct StructureTraits {
	static GstStructure *copy(const GstStructure *structure) { return gst_structure_copy(structure); }
	static void free(GstStructure *structure) { gst_structure_free(structure); }
};

using SdpMessagePtr = GBox<GstSDPMessage, SdpMessageTraits>;
using SessionDescriptionPtr = GBox<GstWebRTCSessionDescription, SessionDescriptionTraits>;
using StructurePtr = GBox<GstStructure, StructureTraits>;

/* Promises are mini objects; a GstPromise has no other owner. */
using PromisePtr = MiniObjectPtr<GstPromise>;

/*
 * A signal handler that disconnects when this object dies. It keeps the
 * instance alive (a strong GObject reference) so the disconnect is always
 * valid.
 */
class SignalConnection
{
public:
	SignalConnection() = default;
	SignalConnection(gpointer instance, const char *signal, GCallback callback,
			 gpointer data, GClosureNotify destroyData = nullptr,
			 GConnectFlags flags = GConnectFlags(0))
		: instance_(G_OBJECT(g_object_ref(instance))),
		  id_(g_signal_connect_data(instance, signal, callback, data,
					    destroyData, flags))
	{
	}
	~SignalConnection() { disconnect(); }

	SignalConnection(const SignalConnection &) = delete;
	SignalConnection &operator=(const SignalConnection &) = delete;
	SignalConnection(SignalConnection &&other) noexcept
		: instance_(std::exchange(other.instance_, nullptr)),
		  id_(std::exchange(other.id_, 0))
	{
	}
	SignalConnection &operator=(SignalConnection &&other) noexcept
	{
		if (this != &other) {
			disconnect();
			instance_ = std::exchange(other.instance_, nullptr);
			id_ = std::exchange(other.id_, 0);
		}
		return *this;
	}

	void disconnect()
	{
		if (instance_) {
			if (id_ && g_signal_handler_is_connected(instance_, id_))
				g_signal_handler_disconnect(instance_, id_);
			g_object_unref(instance_);
		}
		instance_ = nullptr;
		id_ = 0;
	}

private:
	GObject *instance_ = nullptr;
	gulong id_ = 0;
};

/* A GSource attached to a main context, removed when this object dies. */
class SourceGuard
{
public:
	SourceGuard() = default;
	explicit SourceGuard(guint id) : id_(id) {}
	~SourceGuard() { reset(); }

	SourceGuard(const SourceGuard &) = delete;
	SourceGuard &operator=(const SourceGuard &) = delete;
	SourceGuard(SourceGuard &&other) noexcept : id_(std::exchange(other.id_, 0)) {}
	SourceGuard &operator=(SourceGuard &&other) noexcept
	{
		if (this != &other) {
			reset();
			id_ = std::exchange(other.id_, 0);
		}
		return *this;
	}

	void reset(guint id = 0)
	{
		if (id_)
			g_source_remove(id_);
		id_ = id;
	}

	/* The source removed itself (its callback returned G_SOURCE_REMOVE). */
	void release() { id_ = 0; }

	explicit operator bool() const { return id_ != 0; }

private:
	guint id_ = 0;
};

} /* namespace wcam */
