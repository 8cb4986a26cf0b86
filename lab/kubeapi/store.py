# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The persistent object store: every object in one JSON file, rewritten atomically after each write.

Objects are keyed by their storage (group, plural), namespace ("" for
cluster-scoped kinds) and name. One counter gives every write its
resourceVersion, as etcd's revision does, and survives restarts. The last
writes are kept as events (in memory only) for watches; a watch from a
resourceVersion older than that window gets 410 Gone, as after an etcd compaction.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import json
import os
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

from .files import write_atomically

STATE_FILE = "state.json"
FORMAT = "lab.flatnet.kube/state-v1"
EVENT_WINDOW = 5000


@dataclass
class Event:
    """One write, for watches: ADDED, MODIFIED or DELETED, with the object before and after."""

    revision: int
    type: str
    storage: tuple
    namespace: str
    old: Optional[dict]
    new: dict


class Store:  # pylint: disable=too-many-instance-attributes
    """Objects in memory, mirrored to ``<state_dir>/state.json``."""

    def __init__(self, state_dir: str) -> None:
        self.path = os.path.join(state_dir, STATE_FILE)
        self.lock = threading.RLock()
        self._objects: dict = {}
        self._revision = 0
        self.settings: dict = {}
        self._events: collections.deque = collections.deque(maxlen=EVENT_WINDOW)
        self._oldest = 0
        self._deferred = False
        self.changed = threading.Condition(self.lock)

    # -- persistence ------------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold the lock and save once at the end, however many writes happen inside (the seed's, say)."""
        with self.lock:
            self._deferred = True
            try:
                yield
            finally:
                self._deferred = False
            self.save()

    def exists(self) -> bool:
        """Whether a saved state is there."""
        return os.path.exists(self.path)

    def load(self) -> None:
        """Read the saved state."""
        with open(self.path, encoding="utf-8") as handle:
            data = json.load(handle)
        if data.get("format") != FORMAT:
            raise ValueError("%s is not a state file of this emulator" % self.path)
        with self.lock:
            self._revision = int(data["resourceVersion"])
            self._oldest = self._revision
            self._events.clear()
            self.settings = dict(data.get("settings") or {})
            self._objects = {}
            for entry in data["objects"]:
                storage = (entry["group"], entry["resource"])
                meta = entry["object"]["metadata"]
                self._objects[(storage, meta.get("namespace", ""), meta["name"])] = entry["object"]

    def clear(self) -> None:
        """Forget every object (the revision keeps counting up)."""
        with self.lock:
            self._objects = {}

    def save(self) -> None:
        """Write the state atomically (a temporary file, then a rename)."""
        with self.lock:
            entries = [{"group": key[0][0], "resource": key[0][1], "object": obj} for key, obj in sorted(self._objects.items())]
            data = {"format": FORMAT, "resourceVersion": self._revision, "settings": self.settings, "objects": entries}
            write_atomically(self.path, json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n", 0o600)

    # -- reads ------------------------------------------------------------------------------------------------------

    @property
    def revision(self) -> int:
        """The resourceVersion of the last write."""
        return self._revision

    def get(self, storage: tuple, namespace: str, name: str) -> Optional[dict]:
        """A copy of one object, or None."""
        with self.lock:
            obj = self._objects.get((storage, namespace or "", name))
            return copy.deepcopy(obj) if obj is not None else None

    def list(self, storage: tuple, namespace: Optional[str] = None) -> list:
        """Copies of the objects of one storage (one namespace, or all), in key order."""
        with self.lock:
            keys = sorted(key for key in self._objects if key[0] == storage and (namespace is None or key[1] == namespace))
            return [copy.deepcopy(self._objects[key]) for key in keys]

    def values(self, predicate: Callable[[tuple], bool]) -> list:
        """(key, copy) pairs whose key satisfies the predicate."""
        with self.lock:
            return [(key, copy.deepcopy(obj)) for key, obj in sorted(self._objects.items()) if predicate(key)]

    # -- writes -----------------------------------------------------------------------------------------------------

    def next_revision(self) -> str:
        """Reserve the next resourceVersion."""
        with self.lock:
            self._revision += 1
            return str(self._revision)

    def put(self, storage: tuple, obj: dict, persist: bool = True) -> dict:
        """Store an object under a new resourceVersion; returns a copy of what was stored."""
        with self.lock:
            stored = copy.deepcopy(obj)
            stored["metadata"]["resourceVersion"] = self.next_revision()
            meta = stored["metadata"]
            key = (storage, meta.get("namespace", ""), meta["name"])
            old = self._objects.get(key)
            self._objects[key] = stored
            self._record("ADDED" if old is None else "MODIFIED", key, old, stored)
            if persist and not self._deferred:
                self.save()
            return copy.deepcopy(stored)

    def delete(self, storage: tuple, namespace: str, name: str, persist: bool = True) -> Optional[dict]:
        """Remove an object (the deletion is a write: the revision moves on)."""
        with self.lock:
            key = (storage, namespace or "", name)
            obj = self._objects.pop(key, None)
            if obj is not None:
                gone = copy.deepcopy(obj)
                gone["metadata"]["resourceVersion"] = self.next_revision()
                self._record("DELETED", key, obj, gone)
                if persist and not self._deferred:
                    self.save()
            return obj

    def _record(self, kind: str, key: tuple, old: Optional[dict], new: dict) -> None:
        if len(self._events) == self._events.maxlen:
            self._oldest = self._events[0].revision
        self._events.append(Event(self._revision, kind, key[0], key[1], copy.deepcopy(old), copy.deepcopy(new)))
        self.changed.notify_all()

    @property
    def oldest_watchable(self) -> int:
        """The oldest resourceVersion a watch can start from."""
        return self._oldest

    def events_after(self, revision: int) -> list:
        """Events newer than a revision (call with the lock held)."""
        return [event for event in self._events if event.revision > revision]

    def set_setting(self, key: str, value: Any) -> None:
        """Remember one emulator setting in the state file."""
        with self.lock:
            self.settings[key] = value
