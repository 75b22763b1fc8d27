package socketio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Engine.IO packet types: the first character of every packet, on either
// transport. The data follows it directly: "2" is a ping, "3probe" the
// pong that answers a probe, "4…" a message (a Socket.IO packet).
const (
	eioOpen    = '0' // server: the handshake, {"sid",…}
	eioClose   = '1' // either side: the session is over
	eioPing    = '2' // server: are you there? (and a client's probe, "2probe")
	eioPong    = '3' // client: yes (and the server's answer to a probe, "3probe")
	eioMessage = '4' // either side: a Socket.IO packet
	eioUpgrade = '5' // client: the WebSocket carries the session from now on
	eioNoop    = '6' // server: nothing; ends a pending poll during an upgrade
)

// Socket.IO packet types: the character after an Engine.IO message's "4".
// So 40 is a connect, 42 an event, 43 the answer to an event numbered for
// an ack.
const (
	sioConnect      = '0'
	sioDisconnect   = '1'
	sioEvent        = '2'
	sioAck          = '3'
	sioConnectError = '4'
	sioBinaryEvent  = '5'
	sioBinaryAck    = '6'
)

// separator ends each packet of a polling body but the last (Engine.IO
// v4: the ASCII record separator). JSON escapes it inside strings, so it
// never occurs inside a packet this server or a JSON client encodes.
const separator = '\x1e'

// maxAckID bounds an event's ack id: socket.io-client counts from 0, and a
// number this large never comes from it.
const maxAckID = 1<<53 - 1

// splitPayload cuts a polling body into its packets.
func splitPayload(body []byte) ([][]byte, error) {
	if len(body) == 0 {
		return nil, errors.New("empty payload")
	}
	return bytes.Split(body, []byte{separator}), nil
}

// parsePacket reads one Engine.IO packet a client sent: its type and data.
// Binary packets ("b…" on polling, binary frames on a WebSocket) are not
// taken: this server's events are JSON.
func parsePacket(p []byte) (typ byte, data []byte, err error) {
	switch {
	case len(p) == 0:
		return 0, nil, errors.New("empty packet")
	case p[0] == 'b':
		return 0, nil, errors.New("binary packets are not supported")
	case p[0] < eioOpen || p[0] > eioNoop:
		return 0, nil, fmt.Errorf("unknown packet type %q", p[0])
	}
	return p[0], p[1:], nil
}

// sioPacket is a Socket.IO packet a client sent:
//
//	<type>[<namespace>,][<ack id>][<JSON payload>]
//
// (binary packets, with their "<n>-" attachment count, are refused).
type sioPacket struct {
	Type      byte
	Namespace string          // "/" when the packet names none
	HasID     bool            // the sender asks for an ack with ID
	ID        uint64          //
	Data      json.RawMessage // the payload, valid JSON, or empty
}

// parseSocketIO reads a Socket.IO packet from an Engine.IO message's data.
// The payload must suit the type, as socket.io-parser checks it: a connect
// carries an object or nothing, an event a non-empty array whose first
// element names it, an ack an array, a disconnect nothing.
func parseSocketIO(b []byte) (sioPacket, error) {
	p := sioPacket{Namespace: "/"}
	if len(b) == 0 {
		return p, errors.New("empty Socket.IO packet")
	}
	p.Type, b = b[0], b[1:]
	switch p.Type {
	case sioConnect, sioDisconnect, sioEvent, sioAck:
	case sioBinaryEvent, sioBinaryAck:
		return p, errors.New("binary events are not supported")
	default:
		return p, fmt.Errorf("unknown Socket.IO packet type %q", p.Type)
	}
	if len(b) > 0 && b[0] == '/' {
		end := bytes.IndexByte(b, ',')
		if end < 0 {
			end = len(b)
		}
		p.Namespace, b = string(b[:end]), b[min(end+1, len(b)):]
	}
	digits := 0
	for digits < len(b) && '0' <= b[digits] && b[digits] <= '9' {
		digits++
	}
	if digits > 0 {
		id, err := strconv.ParseUint(string(b[:digits]), 10, 64)
		if err != nil || id > maxAckID {
			return p, fmt.Errorf("ack id must be at most %d", uint64(maxAckID))
		}
		p.HasID, p.ID, b = true, id, b[digits:]
	}
	if len(b) > 0 {
		if !json.Valid(b) {
			return p, errors.New("payload is not JSON")
		}
		p.Data = b
	}
	return p, checkPayload(p)
}

// checkPayload says whether p's payload suits its type.
func checkPayload(p sioPacket) error {
	first := byte(0) // the payload's first byte: '{', '[' or another JSON value
	if len(p.Data) > 0 {
		first = p.Data[0]
	}
	switch p.Type {
	case sioConnect:
		if first != 0 && first != '{' {
			return errors.New("a connect's payload must be an object")
		}
	case sioDisconnect:
		if first != 0 {
			return errors.New("a disconnect has no payload")
		}
	case sioAck:
		if first != '[' {
			return errors.New("an ack's payload must be an array")
		}
	case sioEvent:
		if _, _, err := eventArgs(p.Data); err != nil {
			return err
		}
	}
	return nil
}

// eventArgs splits an event's payload, ["name", arg…], into its name and
// its arguments.
func eventArgs(data json.RawMessage) (name string, args []json.RawMessage, err error) {
	var all []json.RawMessage
	if len(data) == 0 || data[0] != '[' || json.Unmarshal(data, &all) != nil || len(all) == 0 {
		return "", nil, errors.New(`an event's payload must be an array: ["name", …]`)
	}
	if json.Unmarshal(all[0], &name) != nil {
		return "", nil, errors.New("an event's name must be a string")
	}
	return name, all[1:], nil
}

// The packets the server sends, as they go on the wire (each in its own
// WebSocket message, or joined by separators in a poll's answer).

// handshake is the open packet: 0{"sid":…,"upgrades":[…],"pingInterval":…,…}.
type handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"` // ms
	PingTimeout  int64    `json:"pingTimeout"`  // ms
	MaxPayload   int      `json:"maxPayload"`   // bytes
}

// openPacket encodes the handshake.
func openPacket(h handshake) string {
	b, _ := json.Marshal(h) // strings and numbers always encode
	return string(eioOpen) + string(b)
}

// appendEvent appends the Socket.IO event 42["name",data] with data, JSON,
// copied as it is: the feed's events go out as the feed encoded them.
func appendEvent(b []byte, name string, data []byte) []byte {
	b = append(b, eioMessage, sioEvent, '[')
	b = strconv.AppendQuote(b, name) // the server's own names, plain ASCII: the same in Go and JSON
	b = append(b, ',')
	b = append(b, data...)
	return append(b, ']')
}

// connectPacket answers a client's connect: 40{"sid":"…"}, the socket's id.
func connectPacket(socketID string) string {
	return string([]byte{eioMessage, sioConnect}) + `{"sid":` + strconv.Quote(socketID) + `}`
}

// connectErrorPacket refuses a connect to namespace: 44{"message":"…"},
// with the namespace before the payload when it is not "/".
func connectErrorPacket(namespace, message string) string {
	b, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{message})
	ns := ""
	if namespace != "/" {
		ns = namespace + ","
	}
	return string([]byte{eioMessage, sioConnectError}) + ns + string(b)
}

// ackPacket answers an event numbered id: 43<id>[data].
func ackPacket(id uint64, data []byte) string {
	b := []byte{eioMessage, sioAck}
	b = strconv.AppendUint(b, id, 10)
	b = append(b, '[')
	b = append(b, data...)
	return string(append(b, ']'))
}
