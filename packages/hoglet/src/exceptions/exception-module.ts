/**
 * The exception-capture code the client uses, as one object. The Node entry hands it to the
 * client at construction (crash hooks must capture synchronously, before the process dies);
 * elsewhere the client imports it with the first `captureException` (`loadExceptionModule`),
 * so a program that never captures an exception does not load (or, bundled, download) it.
 */
import { installExceptionAutocapture } from './autocapture.js'
import { createClientExceptionCapturer } from './client-exception-capturer.js'
import { queuedEventsAsRequests } from './crash-delivery.js'

export const exceptionModule = { createClientExceptionCapturer, installExceptionAutocapture, queuedEventsAsRequests }

export type ExceptionModule = typeof exceptionModule
