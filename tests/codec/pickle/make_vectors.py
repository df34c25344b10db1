#!/usr/bin/python3
"""Golden vectors for tests/codec/pickle/, made by CPython.

Run with the interpreter carbon runs on (Debian 12's /usr/bin/python3, CPython 3.11):

    /usr/bin/python3 tests/codec/pickle/make_vectors.py

It rewrites, under tests/codec/pickle/testdata/:

  encode_<case>.bin     framed batches exactly as carbon-relay sends them (COMPAT 4.2):
                        struct.pack('!I', len(p)) + pickle.dumps(batch, protocol=2), for the
                        batches that pickle_encoder_test.cc rebuilds with PickleBatchWriter
                        (see EncodeItems below, mirrored there).
  decode_multiframe.bin a protocol-4 pickle of 4000 items, big enough for several FRAMEs.
  decode_vectors.inc    C++ rows {name, payload hex, expected verdict} for the decoder.

and the seed corpus of tests/fuzz/pickle_decoder_fuzz.cc, tests/fuzz/corpus/pickle_decoder/:
CPython pickles of every protocol, Python 2 pickles, framed streams (the fuzz target reads
its first byte as a chunk size and the rest as a stream of frames) and hostile frames.

A verdict is what carbon 1.1.7's MetricPickleReceiver.stringReceived does with the payload:
"ok" followed by one token per item, "M:<name hex>:<ts bits>:<value bits>" for a datapoint
or "E:<PickleItemErrorName>" for a dropped one, or the PickleFrameStatusName of a frame
error. It is computed by running carbon's loop over CPython's file-backed unpickler
(carbon's SafeUnpickler: BytesIO, encoding='utf-8', no global resolves). Where our decoder
diverges from carbon on purpose (pickle_decoder.h), the vector states the verdict we
promise and the script asserts what CPython does instead, so the divergence is on record.
"""

import io
import os
import pickle
import struct
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'testdata')


# ---------------------------------------------------------------------------------------
# Encoder goldens. EncodeItems() in pickle_encoder_test.cc builds the same items.

def encode_items(n, prefix='', utf8=False):
    names = ['é', 'ü', '指标', '😀']
    items = []
    for i in range(n):
        name = (names[i % 4] + '.m%d' % i) if utf8 else ('h%d.cpu' % i)
        # prefix + name makes a distinct str object per item, as carbon's are, so CPython
        # never writes a BINGET for a repeated name.
        items.append((prefix + name, (1700000000.0 + i * 10.0, i * 0.25 - 3.5)))
    return items


ENCODE_CASES = [
    ('empty', encode_items(0)),
    ('one', encode_items(1)),
    ('two', encode_items(2)),
    ('n255', encode_items(255)),
    ('n256', encode_items(256)),
    ('n1000', encode_items(1000)),
    ('n1001', encode_items(1001)),
    ('n2500', encode_items(2500)),
    ('utf8_300', encode_items(300, utf8=True)),
    ('prefix_3', encode_items(3, prefix='apikey.')),
    ('specials', [('s%d' % i, v) for i, v in enumerate([
        (-0.0, float('nan')), (float('inf'), float('-inf')), (5e-324, 1.7976931348623157e308),
        (2.2250738585072014e-308, -1e-300)])]),
]


def frame(payload):
    return struct.pack('!I', len(payload)) + payload


# ---------------------------------------------------------------------------------------
# The reference: carbon's receive loop over CPython's unpickler.

class CarbonSafeUnpickler(pickle.Unpickler):
    """carbon.util.SafeUnpickler on Python 3: its allow-list names Python 2 modules."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError('Attempting to unpickle unsafe module %s' % module)


def bits(x):
    return '%016x' % struct.unpack('<Q', struct.pack('<d', x))[0]


def carbon_verdict(payload, expect_frame_error=False):
    """Returns (verdict, python_error). python_error is set when CPython fails the frame."""
    try:
        obj = CarbonSafeUnpickler(io.BytesIO(payload), encoding='utf-8').load()
    except Exception as e:  # carbon logs and drops the frame (or the connection)
        return None, '%s: %s' % (type(e).__name__, e)
    assert not expect_frame_error, 'CPython accepted a frame we expect it to reject'
    if isinstance(obj, (set, frozenset)):
        return 'not_iterable', None   # divergence: see pickle_decoder.h
    try:
        items = iter(obj)
    except TypeError:
        return 'not_iterable', None
    out = ['ok']
    for raw in items:
        try:
            if isinstance(raw, (set, frozenset)):
                raise ValueError('set')  # divergence: never unpacked
            metric, pair = raw
            if isinstance(pair, (set, frozenset)):
                raise ValueError('set')
            a, b = pair
        except Exception:
            out.append('E:not_pair')
            continue
        try:
            ts, value = float(a), float(b)
        except (ValueError, TypeError, OverflowError):  # OverflowError: divergence
            out.append('E:bad_number')
            continue
        if not isinstance(metric, str):
            out.append('E:name_not_str')  # carbon: AttributeError, connection closed
            continue
        try:
            name = metric.encode('utf-8')
        except UnicodeEncodeError:
            out.append('E:bad_utf8')  # a lone surrogate: carbon fails later, on hashing
            continue
        out.append('M:%s:%s:%s' % (name.hex(), bits(ts), bits(value)))
    return ' '.join(out), None


# ---------------------------------------------------------------------------------------
# A tiny assembler for crafted pickles (pickletools-style byte strings).

def u(s):       # BINUNICODE
    b = s.encode('utf-8', 'surrogatepass')
    return b'X' + struct.pack('<I', len(b)) + b


def ub(b):      # BINUNICODE of raw bytes (possibly not UTF-8)
    return b'X' + struct.pack('<I', len(b)) + b


def f(x):       # BINFLOAT
    return b'G' + struct.pack('>d', x)


def k(n):       # BININT1
    return b'K' + bytes([n])


def long1(n):   # LONG1
    nbytes = (n.bit_length() + 8) // 8
    return b'\x8a' + bytes([nbytes]) + n.to_bytes(nbytes, 'little', signed=True)


def t2(a, b):   # a b TUPLE2
    return a + b + b'\x86'


def point(name, ts, value):
    return t2(name, t2(ts, value))


def lst(*items):  # EMPTY_LIST MARK items APPENDS
    return b']' + b'(' + b''.join(items) + b'e'


def proto2(body):
    return b'\x80\x02' + body + b'.'


# ---------------------------------------------------------------------------------------
# Python 2 pickles. CPython 3 cannot write Python 2 str, so this writes what Python 2.7's
# pickle.py writes for lists, tuples, str (bytes here), unicode (str here), int, long,
# float and bool, memo PUTs included.

class Long(int):
    """A Python 2 long (written with 'L' text or LONG1)."""


def py2_dumps(obj, proto):
    out = bytearray()
    memo = [0]

    def put():
        i = memo[0]
        memo[0] += 1
        if proto == 0:
            out.extend(b'p%d\n' % i)
        elif i < 256:
            out.extend(b'q' + bytes([i]))
        else:
            out.extend(b'r' + struct.pack('<I', i))

    def py2_repr(b):
        # Python 2 repr(str): single quotes unless the text has ' and no ".
        quote = b'"' if (b"'" in b and b'"' not in b) else b"'"
        body = bytearray()
        for c in b:
            ch = bytes([c])
            if ch == quote or ch == b'\\':
                body += b'\\' + ch
            elif ch == b'\t':
                body += b'\\t'
            elif ch == b'\n':
                body += b'\\n'
            elif ch == b'\r':
                body += b'\\r'
            elif c < 0x20 or c >= 0x7f:
                body += b'\\x%02x' % c
            else:
                body += ch
        return quote + bytes(body) + quote

    def save(x):
        if isinstance(x, bool):
            if proto >= 2:
                out.extend(b'\x88' if x else b'\x89')
            else:
                out.extend(b'I01\n' if x else b'I00\n')
        elif isinstance(x, Long):
            if proto >= 2:
                out.extend(long1(int(x)))
            else:
                out.extend(b'L%dL\n' % int(x))
        elif isinstance(x, int):
            if proto >= 1 and 0 <= x < 256:
                out.extend(b'K' + bytes([x]))
            elif proto >= 1 and 0 <= x < 65536:
                out.extend(b'M' + struct.pack('<H', x))
            elif proto >= 1 and -2**31 <= x < 2**31:
                out.extend(b'J' + struct.pack('<i', x))
            else:
                out.extend(b'I%d\n' % x)
        elif isinstance(x, float):
            if proto >= 1:
                out.extend(b'G' + struct.pack('>d', x))
            else:
                out.extend(b'F' + repr(x).encode() + b'\n')
        elif isinstance(x, bytes):  # Python 2 str
            if proto == 0:
                out.extend(b'S' + py2_repr(x) + b'\n')
            elif len(x) < 256:
                out.extend(b'U' + bytes([len(x)]) + x)
            else:
                out.extend(b'T' + struct.pack('<I', len(x)) + x)
            put()
        elif isinstance(x, str):  # Python 2 unicode
            if proto == 0:
                text = x.replace('\\', '\\u005c').replace('\n', '\\u000a')
                out.extend(b'V' + text.encode('raw-unicode-escape') + b'\n')
            else:
                b = x.encode('utf-8')
                out.extend(b'X' + struct.pack('<I', len(b)) + b)
            put()
        elif isinstance(x, tuple):
            if proto >= 2 and 1 <= len(x) <= 3:
                for e in x:
                    save(e)
                out.extend(bytes([0x84 + len(x)]))
            else:
                out.extend(b'(')
                for e in x:
                    save(e)
                out.extend(b't')
            put()
        elif isinstance(x, list):
            out.extend(b']' if proto >= 1 else b'(l')
            put()
            if proto == 0:
                for e in x:
                    save(e)
                    out.extend(b'a')
            else:
                for i in range(0, len(x), 1000):
                    chunk = x[i:i + 1000]
                    if len(chunk) == 1:
                        save(chunk[0])
                        out.extend(b'a')
                    else:
                        out.extend(b'(')
                        for e in chunk:
                            save(e)
                        out.extend(b'e')
        else:
            raise TypeError(type(x))

    if proto >= 2:
        out.extend(b'\x80' + bytes([proto]))
    save(obj)
    out.extend(b'.')
    return bytes(out)


PY2_BATCH = [
    (b'carbon.py2.load', (1700000000, 0.25)),
    (b'utf8.caf\xc3\xa9', (Long(1700000010), 2)),
    ('unicode.na\xefve\\x', (1700000020.5, Long(2**70))),
    (b"quote's", (True, False)),
    (b'neg', (-1, -70000)),
    ('tab\there', (1.0, 1e300)),
]


# ---------------------------------------------------------------------------------------
# Decode vectors: (name, payload, expected) with expected None to take carbon's verdict, or
# (verdict, why) for a divergence or for a frame error whose kind only we define.

def decode_vectors():
    v = []
    carbon_batch = [
        ('carbon.agents.a.cpu', (1700000000.0, 1.5)),
        ('é.ü.指标', (1700000010, 2)),
        ('big.value', (1700000020.5, 2**70)),
        ('neg', (-1.0, -7)),
        ('bool', (True, False)),
        ('str.numbers', ('1700000030', ' 2.5 ')),
    ]
    for p in range(6):
        v.append(('cpython_proto%d' % p, pickle.dumps(carbon_batch, protocol=p), None))
    # Python 3 bytes need protocol 3: below it CPython writes _codecs.encode + REDUCE, which
    # carbon's SafeUnpickler refuses.
    v.append(('cpython_proto3_bytes_numbers',
              pickle.dumps([('b', (b'1700000040', b' 2.5 ')), ('b', (b'\t7\n', b'1_0'))],
                           protocol=3), None))
    v.append(('compat_example', pickle.dumps([('foo.bar', (1700000000.0, 1.0))], protocol=2),
              None))
    shared = 'shared.name'
    v.append(('cpython_binget_repeated_name',
              pickle.dumps([(shared, (1.0, 2.0)), (shared, (3.0, 4.0))], protocol=2), None))
    for p in range(3):
        v.append(('py2_proto%d' % p, py2_dumps(PY2_BATCH, p), None))
    v.append(('py2_graphite_example', py2_dumps(
        [(b'system.loadavg_1min', (1700000000, 0.5)),
         (b'system.loadavg_5min', (1700000000, 0.75))], 2), None))

    # Item errors.
    v.append(('items_not_pair', pickle.dumps([
        ('a', (1.0, 2.0), 3), ('a', (1.0,)), 5, None, ('a', {1.0, 2.0}), 'ab', b'ab',
        ('a', 1.0), [['x'], [1.0, 2.0]]], protocol=4), None))
    v.append(('items_bad_number', pickle.dumps([
        ('a', (None, 1.0)), ('a', (1.0, 'abc')), ('a', ([1], 1.0)), ('a', (1.0, 2**1024)),
        ('a', (1.0, '0x10')), ('a', (1.0, b'\x1c3')), ('a', (1.0, '1,5'))], protocol=3), None))
    v.append(('items_name_not_str', pickle.dumps([
        (b'bytes.name', (1.0, 2.0)), (5, (1.0, 2.0)), (None, (1.0, 2.0))], protocol=3), None))
    v.append(('items_bad_utf8_surrogate', pickle.dumps(
        [('lone\ud800surrogate', (1.0, 2.0)), ('ok', (1.0, 2.0))], protocol=2), None))

    # Divergence: a Python 2 str that is not UTF-8 fails the whole frame in carbon.
    v.append(('items_bad_utf8_py2_str',
              proto2(lst(point(b'U\x03\xff\xfeA', f(1.0), f(2.0)),
                         point(u('fine'), f(3.0), f(4.0)))),
              ('ok E:bad_utf8 M:%s:%s:%s' % (b'fine'.hex(), bits(3.0), bits(4.0)),
               'carbon: UnicodeDecodeError, frame dropped')))
    v.append(('items_bad_utf8_binunicode',
              proto2(lst(point(ub(b'over\xc0\x80long'), f(1.0), f(2.0)))),
              ('ok E:bad_utf8', 'carbon: UnicodeDecodeError, frame dropped')))
    # Divergence: an int too large for a double drops the connection in carbon.
    v.append(('items_overflow_int', pickle.dumps([('a', (1.0, 2**1024 - 2**970))],
                                                 protocol=2), None))

    # Numbers: correctly rounded ints, text forms.
    v.append(('numbers_rounding', pickle.dumps([
        ('a', (2**53 + 1, 2**1024 - 2**970 - 1)), ('b', (-(2**63), 2**63)),
        ('c', (2**54 + 2**1 + 1, -(2**200) - 1)), ('d', (5e-324, -0.0))], protocol=2), None))
    v.append(('numbers_text_opcodes', b''.join([
        b'(l', b'(Vtext\n', b'(I01\nI00\nt', b't', b'a',
        b'(Vint\n(I010\nI 0x_1f \nt', b't', b'a',
        b'(Vlong\n(L0x10L\nL-99999999999999999999L\nt', b't', b'a',
        b'(Vfloat\n(F1e-400\nF-inf\nt', b't', b'a',
        b'(Vbigint\n(I99999999999999999999\nI-5\nt', b't', b'a', b'.']), None))
    v.append(('strings_escapes', b''.join([
        b'(l', b"(S'\\x41\\101\\q\\t\\\\'\n(F1\nF2\nt", b't', b'a',
        b'(V\\u00e9\xe9\\U0001f600\\x\n(F3\nF4\nt', b't', b'a',
        b'(S"it\'s"\n(F5\nF6\nt', b't', b'a', b'.']), None))

    # Iteration and unpacking as Python does it.
    v.append(('unpack_iterables', pickle.dumps([
        ['list', ['1', b'2']], ('str.pair', '12'), ('bytes.pair', b'12'),
        ('dict.pair', {1.5: 'x', 2.5: 'y'}), {'dict.item': 0, (7.0, 8.0): 1},
        ('bytearray.pair', bytearray(b'12'))], protocol=5), None))
    nan_a = f(float('nan')) + b'q\x01'
    v.append(('dict_payload_dedup', proto2(b'}q\x00(' + b''.join([
        point(u('a'), k(1), f(2.0)), b'N',
        point(u('a'), f(1.0), k(2)), b'N',
        point(u('a'), b'\x88', long1(2)), b'N',
        point(u('b'), long1(2**64), f(1.0)), b'N',
        point(u('b'), f(1.8446744073709552e19), f(1.0)), b'N',
        point(u('n'), nan_a, f(1.0)), b'N',
        point(u('n'), b'h\x01', f(1.0)), b'N',
        point(u('n'), f(float('nan')), f(1.0)), b'N',
    ]) + b'u'), None))
    v.append(('dict_payload_frozenset_keys', proto2(b'}(' + b''.join([
        b'(' + k(1) + k(2) + b'\x91', b'N',
        b'(' + k(2) + f(1.0) + k(2) + b'\x91', b'N',
        t2(u('t'), t2(k(1), k(2))), b'N',
    ]) + b'u'), None))
    v.append(('list_setitem_replaces', proto2(
        lst(point(u('old'), f(1.0), f(2.0)), point(u('keep'), f(3.0), f(4.0))) +
        b'J\xfe\xff\xff\xff' + point(u('new'), f(5.0), f(6.0)) + b's'), None))
    v.append(('memo_and_marks', proto2(
        b']q\x00(' + point(u('m'), f(1.0), f(2.0)) + b'q\x01' + b'h\x01' + b'2' +
        b'(0' + b'(NNN1' + b'e' + b'h\x00'), None))
    v.append(('frame_proto4', pickle.dumps(carbon_batch, protocol=4), None))
    # Misaligned FRAME: the 'z' inside the 2-byte frame is dropped when the line read crosses
    # its end, as CPython's file-backed unpickler (carbon's) does; pickle.loads would keep it.
    misaligned = (b'\x80\x04]' + b'\x95\x02\x00\x00\x00\x00\x00\x00\x00' + b'Vz' +
                  b'a.b\n' + t2(f(1.0), f(2.0)) + b'\x86a.')
    assert pickle.loads(misaligned)[0][0] == 'za.b'
    v.append(('frame_misaligned_like_carbon', misaligned, None))

    # Frame errors: the kind is ours. CPython rejects each too, unless `python` says why not.
    def err(name, payload, status, python='frame error'):
        v.append((name, payload, (status, python)))

    err('empty', b'', 'truncated')
    err('no_stop', b'\x80\x02]q\x00', 'truncated')
    err('truncated_binunicode', b'\x80\x02X\x10\x00\x00\x00abc', 'truncated')
    err('line_without_newline', b'I12', 'truncated')
    err('bad_opcode', b'\x80\x02\xff.', 'bad_opcode')
    err('global_builtin_object', b'c__builtin__\nobject\n)\x81.', 'unsafe')
    err('global_builtins_eval', b'\x80\x02cbuiltins\neval\nX\x01\x00\x00\x001\x85R.', 'unsafe')
    err('stack_global', b'\x80\x04\x8c\x08builtins\x8c\x06object\x93)\x81.', 'unsafe')
    err('reduce', b'\x80\x02N)R.', 'unsafe')
    err('build', b'\x80\x02]}b.', 'unsafe')
    err('inst', b'(i__builtin__\nobject\n.', 'unsafe')
    err('obj', b'(N)o.', 'unsafe')
    err('newobj_ex', b'\x80\x04N)}\x92.', 'unsafe')
    err('ext1', b'\x80\x02\x82\x01.', 'unsafe')
    err('persid', b'P1\n.', 'unsafe')
    err('binpersid', b'\x80\x02NQ.', 'unsafe')
    err('next_buffer', b'\x80\x05\x97.', 'unsafe')
    # CPython accepts this (a memoryview of b'a'); nothing external resolves, but we refuse
    # every out-of-band buffer opcode alike.
    err('readonly_buffer', b'\x80\x05C\x01a\x98.', 'unsafe', python='CPython accepts it')
    err('binget_missing', b'\x80\x02]h\x05.', 'bad_memo')
    err('get_text_missing', b'(lp0\ng7\n.', 'bad_memo')
    # CPython would grow its memo to 1.1e9 entries (about 17 GiB): not run.
    err('long_binput_huge', b'\x80\x02]r\x00\xab\x90\x41.', 'bad_memo', python=None)
    err('stack_underflow', b'\x80\x02a.', 'malformed')
    err('mark_missing', b'\x80\x02Ne.', 'malformed')
    err('stop_on_mark', b'\x80\x02N(.', 'malformed')
    err('proto6', b'\x80\x06N.', 'malformed')
    err('float_overflow', b'F1e400\n.', 'malformed')
    err('float_space', b'F 1.5\n.', 'malformed')
    err('int_garbage', b'I12x\n.', 'malformed')
    err('long_digit_limit', b'L1' + b'0' * 4300 + b'\n.', 'malformed')
    err('string_unquoted', b"S'abc\n.", 'malformed')
    err('string_bad_hex', b"S'\\x4'\n.", 'malformed')
    err('unicode_truncated_escape', b'V\\u12\n.', 'malformed')
    err('unhashable_dict_key', b'\x80\x02}]Ns.', 'malformed')
    err('unhashable_set_item', b'\x80\x04\x8f(]\x90.', 'malformed')
    err('append_to_tuple', b'\x80\x02)Na.', 'malformed')
    err('list_index_out_of_range', b'\x80\x02](Ne' + k(5) + b'Ns.', 'malformed')
    err('negative_long4', b'\x80\x02\x8b\xff\xff\xff\xff.', 'malformed')
    err('frame_too_long', b'\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00N.', 'truncated')
    v.append(('not_iterable_int', b'\x80\x02K\x05.', None))
    v.append(('not_iterable_none', b'N.', None))
    v.append(('not_iterable_float', b'\x80\x02G?\xf0\x00\x00\x00\x00\x00\x00.', None))
    # Divergence (built into carbon_verdict): Python would iterate the set in hash order.
    v.append(('not_iterable_set', pickle.dumps({('a', (1.0, 2.0))}, protocol=4), None))
    return v


def corpus_seeds(vectors):
    seeds = {}
    for name, payload, _ in vectors:
        if name.startswith(('cpython_', 'py2_', 'items_', 'dict_', 'unpack_', 'list_',
                            'frame_', 'memo_', 'numbers_', 'strings_')):
            seeds['payload_' + name] = payload
    batch2 = pickle.dumps(encode_items(40), protocol=2)
    batch4 = pickle.dumps(encode_items(40, utf8=True), protocol=4)
    seeds['stream_two_frames_chunk7'] = bytes([6]) + frame(batch2) + frame(batch4)
    seeds['stream_three_frames_chunk256'] = bytes([255]) + frame(batch2) + frame(b'') + \
        frame(pickle.dumps(encode_items(3), protocol=0))
    seeds['stream_split_header_chunk2'] = bytes([1]) + frame(batch2)[:3]
    seeds['stream_over_max_length'] = bytes([0]) + frame(batch2) + b'\x00\x10\x00\x01'
    seeds['hostile_global'] = b'c__builtin__\nobject\n)\x81.'
    seeds['hostile_stack_global_reduce'] = (b'\x80\x04\x8c\x02os\x8c\x06system\x93' +
                                            u('id') + b'\x85R.')
    seeds['hostile_long_binput'] = b'\x80\x02]r\x00\xab\x90\x41.'
    seeds['hostile_nested_marks'] = b'(' * 2000 + b'l' * 2000 + b'.'
    seeds['hostile_nested_appends'] = b']' * 2000 + b'a' * 1999 + b'.'
    seeds['hostile_nested_tuples'] = b'N' + b'N\x86' * 1000 + b'.'
    seeds['hostile_memo_references'] = (b'\x80\x02' + u('9' * 300) + b'q\x01' + u('k' * 300) +
                                        b'q\x02](' + b'h\x02h\x01h\x01\x86\x86' * 200 + b'e.')
    seeds['hostile_dict_same_key'] = (b'\x80\x02' + u('x' * 100) + b'q\x01}q\x02(' +
                                      b'h\x01N' * 200 + b'u](' + b'h\x02' * 200 + b'e.')
    seeds['hostile_long4'] = b'\x80\x02](' + point(u('l'), b'\x8b\x00\x04\x00\x00' + b'\xff' * 1024,
                                                   f(1.0)) + b'e.'
    seeds['hostile_self_list'] = b']q\x00h\x00a.'
    seeds['hostile_empty'] = b''
    seeds['hostile_dup_stack'] = b'N' + b'2' * 3000 + b'.'
    return seeds


def verdict_for(name, payload, expected):
    if expected is None:
        verdict, error = carbon_verdict(payload)
        assert error is None, '%s: CPython failed: %s' % (name, error)
        return verdict
    verdict, why = expected
    if why == 'frame error':
        got, error = carbon_verdict(payload, expect_frame_error=True)
        assert error is not None
    elif why is not None:
        got, error = carbon_verdict(payload)
        assert got != verdict, '%s is no divergence' % name
    return verdict


def cxx_string(s, indent):
    """A C++ string literal split into 90-column pieces."""
    pieces = [s[i:i + 88] for i in range(0, len(s), 88)] or ['']
    return ('\n' + ' ' * indent).join('"%s"' % p for p in pieces)


def main():
    # STRING escapes like \q are deprecated, and still decoded.
    warnings.simplefilter('ignore', DeprecationWarning)
    if sys.version_info[:2] != (3, 11):
        print('warning: carbon on Debian 12 runs CPython 3.11; this is %s' % sys.version)
    os.makedirs(OUT, exist_ok=True)
    for name, items in ENCODE_CASES:
        with open(os.path.join(OUT, 'encode_%s.bin' % name), 'wb') as out:
            out.write(frame(pickle.dumps(items, protocol=2)))
    multi = [('m.%d' % i, (1700000000.0 + i, i * 0.5)) for i in range(4000)]
    data = pickle.dumps(multi, protocol=4)
    assert data.count(b'\x95') >= 2
    with open(os.path.join(OUT, 'decode_multiframe.bin'), 'wb') as out:
        out.write(data)

    vectors = decode_vectors()
    corpus = os.path.join(HERE, '..', '..', 'fuzz', 'corpus', 'pickle_decoder')
    os.makedirs(corpus, exist_ok=True)
    seeds = corpus_seeds(vectors)
    for name, data in seeds.items():
        with open(os.path.join(corpus, name), 'wb') as out:
            out.write(data)

    rows = []
    for name, payload, expected in vectors:
        verdict = verdict_for(name, payload, expected)
        rows.append('{"%s",\n %s,\n %s},' % (name, cxx_string(payload.hex(), 1),
                                             cxx_string(verdict, 1)))
    with open(os.path.join(OUT, 'decode_vectors.inc'), 'w') as out:
        out.write('// Generated by tests/codec/pickle/make_vectors.py with CPython %d.%d.%d. '
                  'Do not edit.\n' % sys.version_info[:3])
        out.write('// {name, payload hex, carbon\'s verdict (see make_vectors.py)}\n')
        out.write('\n'.join(rows) + '\n')
    print('wrote %d encode cases and %d decode vectors to %s, %d fuzz seeds to %s' %
          (len(ENCODE_CASES), len(rows), OUT, len(seeds), os.path.normpath(corpus)))


if __name__ == '__main__':
    main()
