// A minimal ground station on node-mavlink, a MAVLink implementation not
// written here. It listens on UDP, waits for the heartbeats of the drones
// named, then flies each in turn: GUIDED, arm, takeoff, go to, then RTL (the
// first drone) or LAND (the others), and waits until it has landed and
// disarmed. One JSON line per step on stdout; exit 0
// when every drone has flown.
//
// usage: node gcs.cjs PORT SYSIDS(comma-separated) [NORTH_M]
'use strict'
const dgram = require('dgram')
const { PassThrough } = require('stream')
const { MavLinkPacketSplitter, MavLinkPacketParser, MavLinkProtocolV2, minimal, common, ardupilotmega } = require('node-mavlink')

const port = Number(process.argv[2])
const sysids = process.argv[3].split(',').map(Number)
const northM = Number(process.argv[4] || 60)
const REGISTRY = { ...minimal.REGISTRY, ...common.REGISTRY, ...ardupilotmega.REGISTRY }
const proto = new MavLinkProtocolV2(255, 190)
let seq = 0

const out = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const fail = (why) => { out({ event: 'fail', why }); process.exit(1) }
setTimeout(() => fail('timeout'), Number(process.env.GCS_TIMEOUT_MS || 120000)).unref()

const sock = dgram.createSocket('udp4')
const peers = {} // sysid -> {address, port}
const listeners = new Set()
const input = new PassThrough()
input.pipe(new MavLinkPacketSplitter()).pipe(new MavLinkPacketParser()).on('data', (packet) => {
  const clazz = REGISTRY[packet.header.msgid]
  if (!clazz) return
  const msg = packet.protocol.data(packet.payload, clazz)
  for (const l of [...listeners]) l(packet.header.sysid, msg)
})
let lastFrom = null
sock.on('message', (buf, rinfo) => { lastFrom = rinfo; input.write(buf) })
listeners.add((sysid, msg) => {
  if (lastFrom && !peers[sysid]) peers[sysid] = { address: lastFrom.address, port: lastFrom.port }
})

function waitFor (pred, ms = 60000) {
  return new Promise((resolve, reject) => {
    const l = (sysid, msg) => { const v = pred(sysid, msg); if (v) { listeners.delete(l); clearTimeout(t); resolve(v) } }
    const t = setTimeout(() => { listeners.delete(l); reject(new Error('no reply')) }, ms)
    listeners.add(l)
  })
}

function send (sysid, msg) {
  const p = peers[sysid]
  sock.send(proto.serialize(msg, seq++ & 255), p.port, p.address)
}

// command sends COMMAND_LONG and resolves with the final COMMAND_ACK result,
// resending while no ack comes and following IN_PROGRESS.
async function command (sysid, cmd, params) {
  const m = new common.CommandLong()
  m.targetSystem = sysid
  m.targetComponent = 1
  m.command = cmd
  m.confirmation = 0
  for (let i = 0; i < 7; i++) m['_param' + (i + 1)] = params[i] || 0
  const ack = waitFor((s, msg) => s === sysid && msg instanceof common.CommandAck && msg.command === cmd && msg.result !== common.MavResult.IN_PROGRESS && msg)
  send(sysid, m)
  const again = setInterval(() => send(sysid, m), 1000)
  try { return (await ack).result } finally { clearInterval(again) }
}

const isHB = (msg) => msg instanceof minimal.Heartbeat

async function fly (sysid) {
  const pos = await waitFor((s, msg) => s === sysid && msg instanceof common.GlobalPositionInt && msg)
  const step = async (name, cmd, params, want = common.MavResult.ACCEPTED) => {
    const r = await command(sysid, cmd, params)
    out({ event: 'ack', sysid, step: name, result: r })
    if (r !== want) fail(`${name}: result ${r}`)
  }
  await step('takeoff-disarmed', common.MavCmd.NAV_TAKEOFF, [0, 0, 0, 0, 0, 0, 20], common.MavResult.TEMPORARILY_REJECTED)
  await step('guided', common.MavCmd.DO_SET_MODE, [1, 4])
  await step('arm', common.MavCmd.COMPONENT_ARM_DISARM, [1])
  await step('takeoff', common.MavCmd.NAV_TAKEOFF, [0, 0, 0, 0, 0, 0, 20])
  await waitFor((s, msg) => s === sysid && msg instanceof common.GlobalPositionInt && msg.relativeAlt > 19000)
  out({ event: 'climbed', sysid })
  const lat = pos.lat / 1e7 + northM / 111195
  const lon = pos.lon / 1e7
  await step('goto', common.MavCmd.DO_REPOSITION, [-1, 0, 0, 0, lat, lon, 25])
  const there = await waitFor((s, msg) => s === sysid && msg instanceof common.GlobalPositionInt &&
    Math.abs(msg.lat / 1e7 - lat) * 111195 < 3 && Math.abs(msg.relativeAlt - 25000) < 1500 && msg)
  out({ event: 'arrived', sysid, lat: there.lat, lon: there.lon, relativeAlt: there.relativeAlt })
  // the first drone comes home (RTL), the others land where they are (LAND)
  const home = sysid === sysids[0]
  if (home) await step('rtl', common.MavCmd.NAV_RETURN_TO_LAUNCH, [])
  else await step('land', common.MavCmd.NAV_LAND, [])
  const mode = home ? 6 : 9
  await waitFor((s, msg) => s === sysid && isHB(msg) && msg.customMode === mode && (msg.baseMode & 128) === 0)
  out({ event: 'landed', sysid, mode })
}

sock.bind(port, '127.0.0.1', async () => {
  try {
    for (const id of sysids) {
      const hb = await waitFor((s, msg) => s === id && isHB(msg) && msg)
      out({ event: 'heartbeat', sysid: id, type: hb.type, autopilot: hb.autopilot, customMode: hb.customMode })
    }
    for (const id of sysids) await fly(id)
    out({ event: 'done' })
    process.exit(0)
  } catch (e) {
    fail(String(e && e.message || e))
  }
})
