// A C++ program using MPI's C API, found through find_package(MPI).
#include <mpi.h>
#include <iostream>

int main(int argc, char **argv)
{
    int rank = -1, size = -1;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    std::cout << "cmake_hello_cxx " << rank << " of " << size << std::endl;
    MPI_Finalize();
    return 0;
}
