/**
 * RabbitMQ's own topic-exchange conformance vectors, from rabbitmq-server deps/rabbit/test/routing_SUITE.erl
 * (topic_matching). t27 is bound twice and must still receive one copy.
 */
export const BINDINGS: [queue: string, pattern: string][] = [
  ['t1', 'a.b.c'], ['t2', 'a.*.c'], ['t3', 'a.#.b'], ['t4', 'a.b.b.c'], ['t5', '#'], ['t6', '#.#'], ['t7', '#.b'],
  ['t8', '*.*'], ['t9', 'a.*'], ['t10', '*.b.c'], ['t11', 'a.#'], ['t12', 'a.#.#'], ['t13', 'b.b.c'], ['t14', 'a.b.b'],
  ['t15', 'a.b'], ['t16', 'b.c'], ['t17', ''], ['t18', '*.*.*'], ['t19', 'vodka.martini'], ['t20', 'a.b.c'],
  ['t21', '*.#'], ['t22', '#.*.#'], ['t23', '*.#.#'], ['t25', '*'], ['t26', '#.b.#'], ['t27', 'args-test'], ['t27', 'args-test'],
];

export const EXPECTED: [routingKey: string, queues: string[]][] = [
  ['a.b.c', ['t1', 't2', 't5', 't6', 't10', 't11', 't12', 't18', 't20', 't21', 't22', 't23', 't26']],
  ['a.b', ['t3', 't5', 't6', 't7', 't8', 't9', 't11', 't12', 't15', 't21', 't22', 't23', 't26']],
  ['a.b.b', ['t3', 't5', 't6', 't7', 't11', 't12', 't14', 't18', 't21', 't22', 't23', 't26']],
  ['', ['t5', 't6', 't17']],
  ['b.c.c', ['t5', 't6', 't18', 't21', 't22', 't23', 't26']],
  ['a.a.a.a.a', ['t5', 't6', 't11', 't12', 't21', 't22', 't23']],
  ['vodka.gin', ['t5', 't6', 't8', 't21', 't22', 't23']],
  ['vodka.martini', ['t5', 't6', 't8', 't19', 't21', 't22', 't23']],
  ['b.b.c', ['t5', 't6', 't10', 't13', 't18', 't21', 't22', 't23', 't26']],
  ['nothing.here.at.all', ['t5', 't6', 't21', 't22', 't23']],
  ['oneword', ['t5', 't6', 't21', 't22', 't23', 't25']],
  ['args-test', ['t5', 't6', 't21', 't22', 't23', 't25', 't27']],
];
