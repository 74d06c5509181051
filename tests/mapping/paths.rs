//! Generated from `portalis_threading::mapping::paths_check_source()`: compiles only if
//! every Rust path of the mapping table exists. Regenerate with
//! `cargo run --example mapping_json -- --paths > tests/mapping/paths.rs`.
#![allow(unused_imports)]

use portalis_threading::py::PyThreadingError as _Item0;

use portalis_threading::py::concurrent::futures::ALL_COMPLETED as _Item1;

use portalis_threading::py::concurrent::futures::FIRST_COMPLETED as _Item2;

use portalis_threading::py::concurrent::futures::FIRST_EXCEPTION as _Item3;

use portalis_threading::py::concurrent::futures::Future as _Item4;

use portalis_threading::py::concurrent::futures::ThreadPoolExecutor as _Item5;

use portalis_threading::py::concurrent::futures::as_completed as _Item6;

use portalis_threading::py::concurrent::futures::wait as _Item7;

use portalis_threading::py::multiprocessing::Array as _Item8;

use portalis_threading::py::multiprocessing::Barrier as _Item9;

use portalis_threading::py::multiprocessing::Condition as _Item10;

use portalis_threading::py::multiprocessing::Event as _Item11;

use portalis_threading::py::multiprocessing::Lock as _Item12;

use portalis_threading::py::multiprocessing::Pipe as _Item13;

use portalis_threading::py::multiprocessing::Pool as _Item14;

use portalis_threading::py::multiprocessing::Process as _Item15;

use portalis_threading::py::multiprocessing::Queue as _Item16;

use portalis_threading::py::multiprocessing::RLock as _Item17;

use portalis_threading::py::multiprocessing::Semaphore as _Item18;

use portalis_threading::py::multiprocessing::Value as _Item19;

use portalis_threading::py::queue::LifoQueue as _Item20;

use portalis_threading::py::queue::PriorityQueue as _Item21;

use portalis_threading::py::queue::Queue as _Item22;

use portalis_threading::py::queue::SimpleQueue as _Item23;

use portalis_threading::py::threading::Barrier as _Item24;

use portalis_threading::py::threading::BoundedSemaphore as _Item25;

use portalis_threading::py::threading::Condition as _Item26;

use portalis_threading::py::threading::Event as _Item27;

use portalis_threading::py::threading::ExceptHookArgs as _Item28;

use portalis_threading::py::threading::Local as _Item29;

use portalis_threading::py::threading::Lock as _Item30;

use portalis_threading::py::threading::RLock as _Item31;

use portalis_threading::py::threading::Semaphore as _Item32;

use portalis_threading::py::threading::TIMEOUT_MAX as _Item33;

use portalis_threading::py::threading::Thread as _Item34;

use portalis_threading::py::threading::Timer as _Item35;

use portalis_threading::py::threading::active_count as _Item36;

use portalis_threading::py::threading::current_thread as _Item37;

use portalis_threading::py::threading::enumerate as _Item38;

use portalis_threading::py::threading::get_ident as _Item39;

use portalis_threading::py::threading::get_native_id as _Item40;

use portalis_threading::py::threading::main_thread as _Item41;

use portalis_threading::py::threading::set_excepthook as _Item42;

use portalis_threading::py::threading::setprofile as _Item43;

use portalis_threading::py::threading::settrace as _Item44;

use portalis_threading::py::threading::stack_size as _Item45;
