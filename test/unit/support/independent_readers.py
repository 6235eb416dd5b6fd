#!/usr/bin/env python3
"""Readers of gradscope's export files that share no code with the writers: Debian's python3-protobuf decodes the
event protobufs (from descriptors built here with TensorFlow's field numbers), python3-crc32c checks the TFRecord
CRCs, Python's csv module reads the CSV. Prints JSON on stdout; a malformed file exits 1 with the reason on stderr.

  independent_readers.py tfevents FILE   -> {"records": [{"wall_time", "step", "what", "file_version", "values"}]}
  independent_readers.py csv FILE        -> {"rows": [[cell, ...], ...]}

Float values are written as Python's repr ("nan", "inf" included), which JavaScript's Number() reads back exactly
except for those two words.
"""
import csv
import json
import struct
import sys

import crc32c
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

F = descriptor_pb2.FieldDescriptorProto


def event_class():
    """tensorflow.Event and tensorflow.Summary as in tensorflow/core/util/event.proto and framework/summary.proto."""
    fdp = descriptor_pb2.FileDescriptorProto(name="reader_event_subset.proto", package="tensorflow", syntax="proto3")
    summary = fdp.message_type.add(name="Summary")
    value = summary.nested_type.add(name="Value")
    value.field.add(name="tag", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    value.oneof_decl.add(name="value")
    value.field.add(name="simple_value", number=2, type=F.TYPE_FLOAT, label=F.LABEL_OPTIONAL, oneof_index=0)
    summary.field.add(
        name="value", number=1, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED, type_name=".tensorflow.Summary.Value"
    )
    event = fdp.message_type.add(name="Event")
    event.field.add(name="wall_time", number=1, type=F.TYPE_DOUBLE, label=F.LABEL_OPTIONAL)
    event.field.add(name="step", number=2, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
    event.oneof_decl.add(name="what")
    event.field.add(name="file_version", number=3, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL, oneof_index=0)
    event.field.add(name="graph_def", number=4, type=F.TYPE_BYTES, label=F.LABEL_OPTIONAL, oneof_index=0)
    event.field.add(
        name="summary", number=5, type=F.TYPE_MESSAGE, label=F.LABEL_OPTIONAL, type_name=".tensorflow.Summary", oneof_index=0
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    desc = pool.FindMessageTypeByName("tensorflow.Event")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(desc)
    return message_factory.MessageFactory(pool).GetPrototype(desc)


def masked_crc(data):
    crc = crc32c.crc32c(data) & 0xFFFFFFFF
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def read_tfevents(path):
    Event = event_class()
    data = open(path, "rb").read()
    records = []
    at = 0
    while at < len(data):
        if len(data) - at < 12:
            fail(f"record {len(records)}: truncated header at byte {at}")
        header = data[at : at + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[at + 8 : at + 12])
        if length_crc != masked_crc(header):
            fail(f"record {len(records)}: length crc mismatch at byte {at}")
        body = data[at + 12 : at + 12 + length]
        if len(body) != length or len(data) < at + 16 + length:
            fail(f"record {len(records)}: truncated data at byte {at}")
        (data_crc,) = struct.unpack("<I", data[at + 12 + length : at + 16 + length])
        if data_crc != masked_crc(body):
            fail(f"record {len(records)}: data crc mismatch at byte {at}")
        at += 16 + length
        event = Event()
        event.ParseFromString(body)
        if event.UnknownFields() if hasattr(event, "UnknownFields") else False:
            fail(f"record {len(records)}: unknown fields")
        what = event.WhichOneof("what")
        values = []
        if what == "summary":
            for v in event.summary.value:
                if v.WhichOneof("value") != "simple_value":
                    fail(f"record {len(records)}: tag {v.tag} has no simple_value")
                values.append([v.tag, repr(v.simple_value)])
        records.append(
            {
                "wall_time": repr(event.wall_time),
                "step": event.step,
                "what": what,
                "file_version": event.file_version if what == "file_version" else None,
                "values": values,
            }
        )
    return {"records": records}


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return {"rows": [row for row in csv.reader(f, strict=True)]}


if __name__ == "__main__":
    kind, path = sys.argv[1], sys.argv[2]
    result = read_tfevents(path) if kind == "tfevents" else read_csv(path)
    json.dump(result, sys.stdout)
