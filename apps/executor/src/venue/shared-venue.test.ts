import { DecodeError, VenueError, VenueResponseError, VenueTransportError } from '@polybot/shared';
import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../errors/classify.js';
import { failureOf, orderFromResponse, orderFromRow, venueFromClient } from './shared-venue.js';

describe('shared venue adapter', () => {
  it('maps a venue error with its code, Retry-After, request id and order id', () => {
    const f = failureOf(
      new VenueError({
        method: 'POST',
        path: '/v1/orders',
        status: 503,
        venueCode: 'DEADLINE_OVERSHOT_BUT_PERSISTED',
        message: 'late',
        retryAfterMs: 1000,
        requestId: 'r-1',
        orderId: 42,
      }),
    );
    expect(f).toEqual({
      kind: 'http',
      status: 503,
      code: 'DEADLINE_OVERSHOT_BUT_PERSISTED',
      retryAfterMs: 1000,
      requestId: 'r-1',
      orderId: '42',
      message: 'late',
    });
    expect(classifyFailure(f)).toMatchObject({ kind: 'ambiguous', orderIdHint: '42' });
  });

  it('keeps whether a transport failure may have been sent', () => {
    const sent = new VenueTransportError({
      method: 'POST',
      path: '/v1/orders',
      reason: 'timeout',
      mayHaveBeenSent: true,
    });
    const notSent = new VenueTransportError({
      method: 'POST',
      path: '/v1/orders',
      reason: 'refused',
      mayHaveBeenSent: false,
      errorCode: 'ECONNREFUSED',
    });
    expect(classifyFailure(failureOf(sent)).kind).toBe('ambiguous');
    expect(failureOf(notSent)).toMatchObject({ kind: 'transport', sent: false, code: 'ECONNREFUSED' });
    expect(classifyFailure(failureOf(notSent)).kind).toBe('retry');
  });

  it('an invalid 2xx body is malformed (ambiguous), a refused request body is rejected, anything else unknown', () => {
    const bad = new VenueResponseError({
      method: 'POST',
      path: '/v1/orders',
      status: 200,
      schema: 'OrderResponse',
      issues: ['price: expected a decimal'],
    });
    expect(classifyFailure(failureOf(bad)).kind).toBe('ambiguous');
    expect(classifyFailure(failureOf(new DecodeError('PlaceOrderBody', ['price']))).kind).toBe('rejected');
    expect(classifyFailure(failureOf(new Error('boom'))).kind).toBe('ambiguous');
  });

  it('converts replies to micro-units', () => {
    const order = orderFromResponse({
      order_id: 42,
      status: 'FILLED',
      order_type: 'market',
      side: 'BUY',
      outcome: 'Yes',
      price: '0.65',
      quantity: '10',
      notional: '6.50',
      fee: '0.15925',
      client_order_id: 'id-1',
    } as never);
    expect(order).toEqual({
      orderId: '42',
      status: 'FILLED',
      clientOrderId: 'id-1',
      side: 'BUY',
      outcome: 'Yes',
      price: 650_000,
      quantity: 10_000_000,
      notional: 6_500_000,
      fee: 159_250,
    });
    const row = orderFromRow({
      order_id: 43,
      market_id: '0xm',
      side: 'SELL',
      outcome: 'No',
      quantity: '2.5',
      status: 'FILLED',
      fill_price: '0.3',
      client_order_id: 'id-2',
    } as never);
    expect(row).toMatchObject({ orderId: '43', price: 300_000, quantity: 2_500_000, clientOrderId: 'id-2' });
  });

  it('never throws: a client that throws becomes a failure result', async () => {
    const client = {
      placeOrder: async () => {
        throw new VenueError({
          method: 'POST',
          path: '/v1/orders',
          status: 400,
          venueCode: 'MARKET_CLOSED',
          message: 'x',
        });
      },
    };
    const venue = venueFromClient(client as never);
    const res = await venue.placeOrder(
      {
        market_id: '0xm',
        side: 'BUY',
        outcome: 'Yes',
        order_type: 'market',
        quantity: '1',
        price: '0.5',
        client_order_id: 'k',
      },
      { idempotencyKey: 'k' },
    );
    expect(res).toMatchObject({ ok: false, failure: { kind: 'http', code: 'MARKET_CLOSED' } });
  });
});
