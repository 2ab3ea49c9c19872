import 'reflect-metadata'
import type { AddressInfo } from 'node:net'
import { BadRequestException, Controller, Get, Module, type INestApplication } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { describe, expect, it } from 'vitest'
import { bothWires, comparable, get, sorted, type Client, type Library } from './harness.js'

// PostHogInterceptor of posthog-node/nestjs and hoglet/nestjs on a real Nest app (Express
// platform) on 127.0.0.1. Decorators are applied as calls, so no decorator syntax is needed.

function decorate(target: { prototype: object }, method: string, decorator: MethodDecorator): void {
  const descriptor = Object.getOwnPropertyDescriptor(target.prototype, method)!
  decorator(target.prototype, method, descriptor)
}

async function startNestApp(client: Client, library: Library, options: Record<string, unknown>): Promise<{ url: string; app: INestApplication }> {
  class RoutesController {
    async ok(): Promise<string> {
      await new Promise((resolve) => setTimeout(resolve, 5))
      client.capture({ event: 'nest handled' } as never)
      return 'ok'
    }
    boom(): never {
      throw new Error('nest handler failure')
    }
    bad(): never {
      throw new BadRequestException('missing field')
    }
  }
  Controller()(RoutesController)
  decorate(RoutesController, 'ok', Get('ok'))
  decorate(RoutesController, 'boom', Get('boom'))
  decorate(RoutesController, 'bad', Get('bad'))
  class AppModule {}
  Module({ controllers: [RoutesController] })(AppModule)

  const app = await NestFactory.create(AppModule, { logger: false })
  app.useGlobalInterceptors(new library.nest.PostHogInterceptor(client as never, options as never))
  await app.listen(0, '127.0.0.1')
  const { port } = app.getHttpServer().address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, app }
}

async function withNest(client: Client, library: Library, options: Record<string, unknown>, run: (url: string) => Promise<void>): Promise<void> {
  const { url, app } = await startNestApp(client, library, options)
  try {
    await run(url)
  } finally {
    await app.close()
  }
}

function withoutFrames(event: ReturnType<typeof comparable>): ReturnType<typeof comparable> {
  if (event.event !== '$exception') return event
  const list = event.properties.$exception_list.map(({ stacktrace, ...entry }: any) => ({ ...entry, frames: stacktrace?.frames?.length > 0 }))
  return { ...event, properties: { ...event.properties, $exception_list: list } }
}

const headers = { 'x-posthog-distinct-id': 'nest-visitor', 'x-posthog-session-id': 'nest-session', 'user-agent': 'NestClient/2', 'x-forwarded-for': '198.51.100.7' }

describe('NestJS PostHogInterceptor: posthog-node and hoglet', () => {
  it('runs handlers in the request context: person, session and request properties', async () => {
    const wires = await bothWires({}, (client, library) =>
      withNest(client, library, {}, async (url) => {
        expect((await get(`${url}/ok?page=2`, headers)).status).toBe(200)
        expect((await get(`${url}/ok`)).status).toBe(200)
      }),
    )
    expect(wires.hoglet).toHaveLength(2)
    expect(wires.hoglet.map(comparable)).toEqual(wires.posthogNode.map(comparable))
    expect(comparable(wires.hoglet[0]!)).toMatchObject({
      distinct_id: 'nest-visitor',
      properties: { $session_id: 'nest-session', $current_url: '/ok?page=2', $request_path: '/ok', $request_method: 'GET', $ip: '198.51.100.7', $user_agent: 'NestClient/2' },
    })
  })

  it('getDistinctId wins over the header; one that throws falls back to it', async () => {
    const wires = await bothWires({}, (client, library) =>
      withNest(client, library, { getDistinctId: (req: any) => (req.query.as === 'boom' ? (() => { throw new Error('auth down') })() : req.query.as) }, async (url) => {
        await get(`${url}/ok?as=signed-in-user`, headers)
        await get(`${url}/ok?as=boom`, headers)
      }),
    )
    expect(wires.hoglet.map((e) => e.distinct_id)).toEqual(['signed-in-user', 'nest-visitor'])
    expect(wires.hoglet.map(comparable)).toEqual(wires.posthogNode.map(comparable))
  })

  it('captureExceptions: a plain error is captured, a 400 is not; without the option nothing is', async () => {
    const scenario = (options: Record<string, unknown>) =>
      bothWires({}, (client, library) =>
        withNest(client, library, options, async (url) => {
          expect((await get(`${url}/boom`, headers)).status).toBe(500)
          expect((await get(`${url}/bad`, headers)).status).toBe(400)
        }),
      )
    const capturing = await scenario({ captureExceptions: true })
    const ours = sorted(capturing.hoglet.map(comparable).map(withoutFrames))
    // A plain error has no status of its own: both report the response's status at that moment
    // (Nest has not answered yet, so 200), as posthog-node does.
    expect(ours.map((e) => [e.event, e.properties.$response_status_code])).toEqual([['$exception', 200]])
    expect(ours).toEqual(sorted(capturing.posthogNode.map(comparable).map(withoutFrames)))
    expect(ours[0]).toMatchObject({ distinct_id: 'nest-visitor', properties: { $session_id: 'nest-session', $request_path: '/boom' } })

    const lowered = await scenario({ captureExceptions: { minStatusToCapture: 400 } })
    expect(sorted(lowered.hoglet.map(comparable).map(withoutFrames), '$response_status_code').map((e) => e.properties.$response_status_code)).toEqual([200, 400])
    expect(sorted(lowered.hoglet.map(comparable).map(withoutFrames), '$response_status_code')).toEqual(
      sorted(lowered.posthogNode.map(comparable).map(withoutFrames), '$response_status_code'),
    )

    const silent = await scenario({})
    expect(silent.hoglet).toHaveLength(0)
    expect(silent.posthogNode).toHaveLength(0)
  })
})
